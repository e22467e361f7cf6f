"""Exports in an S3-compatible object store: a real worker builds, a pipeline downloads.

The store is moto's standalone server on loopback, reached over HTTP through django-storages'
S3 backend, as production reaches S3 or MinIO. Nothing is written to the local storage folder.
"""

from __future__ import annotations

import hashlib
import time

import orjson
import pytest
import requests
from rest_framework.test import APIClient

from exports.models import Export
from exports.services import export_build, export_create, pipeline_token_create
from tests.exports.conftest import settled

pytestmark = [pytest.mark.celery]


def client_for(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def wait_for(predicate, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out")


def test_export_built_by_a_worker_is_downloaded_by_a_pipeline_from_the_object_store(
    s3_storage, committed, celery_worker, project, admin, storage_root
):
    s3, bucket = s3_storage
    for i in range(40):
        settled(project, f"s-{i:03d}", verdict="accept")
    _, key = pipeline_token_create(name="trainer", projects=[project], actor=admin)
    pipeline = client_for(key)

    created = pipeline.post(
        "/api/exports/", {"project": project.slug, "format": "sft"}, format="json"
    )
    assert created.status_code == 202, created.content
    done = wait_for(
        lambda: Export.objects.filter(pk=created.data["id"], status__in=["done", "failed"]).first(),
        timeout=60,
    )
    assert done.status == "done", (done.error, celery_worker.log()[-3000:])

    # The files are objects in the bucket, and nothing landed on the local disk.
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {
        f"{done.storage_prefix}/{n}" for n in ("train.jsonl", "manifest.json", "README.md")
    }
    assert not (storage_root / "exports").exists()

    # Through the app: the whole file, its checksum and ETag, a resumed range, a 304.
    polled = pipeline.get(created["Location"]).data
    download = pipeline.get(polled["download_url"])
    data = body(download)
    manifest = orjson.loads(body(pipeline.get(polled["manifest_url"])))
    assert hashlib.sha256(data).hexdigest() == manifest["files"][0]["sha256"] == done.sha256
    assert download["ETag"] == f'"{done.sha256}"'
    assert len(data.splitlines()) == 40 == manifest["rows"]
    tail = pipeline.get(polled["download_url"], HTTP_RANGE=f"bytes={len(data) - 100}-")
    assert tail.status_code == 206
    assert tail["Content-Range"] == f"bytes {len(data) - 100}-{len(data) - 1}/{len(data)}"
    assert body(tail) == data[-100:]
    middle = pipeline.get(polled["download_url"], HTTP_RANGE="bytes=10-19")
    assert body(middle) == data[10:20]
    assert (
        pipeline.get(polled["download_url"], HTTP_IF_NONE_MATCH=download["ETag"]).status_code == 304
    )
    card = body(pipeline.get(polled["card_url"])).decode()
    assert done.sha256 in card

    # Straight from the store: a presigned URL that expires, the same bytes.
    link = pipeline.get(f"/api/exports/{done.pk}/download-link/")
    assert link.status_code == 200, link.content
    assert link["Cache-Control"] == "no-store"
    assert link.data["direct"] is True and link.data["expires_at"]
    assert link.data["sha256"] == done.sha256 and link.data["bytes"] == len(data)
    # Signed for five minutes (S3_PRESIGNED_SECONDS); the store refuses it after that.
    assert "X-Amz-Signature=" in link.data["url"] and "X-Amz-Expires=300" in link.data["url"]
    direct = requests.get(link.data["url"], timeout=10)
    assert direct.status_code == 200
    assert hashlib.sha256(direct.content).hexdigest() == done.sha256
    assert link.data["filename"] in direct.headers["Content-Disposition"]


def test_with_local_storage_the_link_is_the_apps_own_download(curated, admin):
    export = export_create(actor=admin, project=curated.project, format="sft", enqueue=False)
    export = export_build(export_id=export.pk)
    _, key = pipeline_token_create(name="trainer", projects=[curated.project], actor=admin)
    pipeline = client_for(key)
    link = pipeline.get(f"/api/exports/{export.pk}/download-link/").data
    assert link["direct"] is False and link["expires_at"] is None
    assert link["url"] == f"http://testserver/api/exports/{export.pk}/download/"
    assert hashlib.sha256(body(pipeline.get(link["url"]))).hexdigest() == link["sha256"]


def test_no_link_before_the_export_is_built(curated, admin):
    export = export_create(actor=admin, project=curated.project, format="sft", enqueue=False)
    _, key = pipeline_token_create(name="trainer", projects=[curated.project], actor=admin)
    response = client_for(key).get(f"/api/exports/{export.pk}/download-link/")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "not_ready"


def test_links_name_the_public_endpoint_pipelines_reach(
    s3_storage, s3_server, curated, admin, settings
):
    """The app reaches the store by one name, pipelines by another: links are signed for theirs."""
    public = s3_server.replace("127.0.0.1", "localhost")
    settings.S3_PUBLIC_ENDPOINT_URL = public
    export = export_create(actor=admin, project=curated.project, format="sft", enqueue=False)
    export = export_build(export_id=export.pk)
    assert export.status == "done", export.error
    _, key = pipeline_token_create(name="trainer", projects=[curated.project], actor=admin)
    link = client_for(key).get(f"/api/exports/{export.pk}/download-link/").data
    assert link["url"].startswith(f"{public}/")
    fetched = requests.get(link["url"], timeout=10)
    assert fetched.status_code == 200
    assert hashlib.sha256(fetched.content).hexdigest() == export.sha256
