"""The REST API pipelines use: tokens, scoping, create, poll, download with Range and ETag."""

from __future__ import annotations

import hashlib

import orjson
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import AuditEvent
from exports.models import Export, PipelineToken
from exports.services import export_build, pipeline_token_create, pipeline_token_revoke
from tests.exports.helpers import build
from tests.factories import ProjectFactory


@pytest.fixture
def other_project(db, cohort):
    return ProjectFactory(slug="stroke", name="Stroke triage", cohorts=[cohort])


@pytest.fixture
def token_key(curated, admin):
    _, key = pipeline_token_create(name="trainer", projects=[curated.project], actor=admin)
    return key


def client_for(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_pipeline_creates_polls_and_downloads_an_export(curated, token_key):
    client = client_for(token_key)
    response = client.post(
        "/api/exports/", {"project": "chest-pain", "format": "sft"}, format="json"
    )
    assert response.status_code == 202, response.content
    location = response["Location"]
    assert location.endswith(f"/api/exports/{response.data['id']}/")
    assert response.data["status"] == "queued"
    export_build(export_id=response.data["id"])  # what the worker does

    polled = client.get(location)
    assert polled.data["status"] == "done"
    assert polled.data["progress"] == {"rows": 4, "total": 4, "percent": 100}
    download = client.get(polled.data["download_url"])
    assert download.status_code == 200
    data = body(download)
    manifest = orjson.loads(body(client.get(polled.data["manifest_url"])))
    assert hashlib.sha256(data).hexdigest() == manifest["files"][0]["sha256"]
    assert download["ETag"] == f'"{manifest["files"][0]["sha256"]}"'
    assert int(download["Content-Length"]) == len(data) == manifest["files"][0]["bytes"]
    card = body(client.get(polled.data["card_url"])).decode()
    assert card.startswith("---\n") and "configs:" in card


def test_range_requests_resume_a_download_and_etag_revalidates(curated, admin, token_key):
    export = build(curated.project, admin, "sft")
    client = client_for(token_key)
    url = f"/api/exports/{export.pk}/download/"
    whole = body(client.get(url))
    partial = client.get(url, HTTP_RANGE="bytes=100-199")
    assert partial.status_code == 206
    assert body(partial) == whole[100:200]
    assert partial["Content-Range"] == f"bytes 100-199/{len(whole)}"
    assert partial["Content-Length"] == "100"
    tail = client.get(url, HTTP_RANGE="bytes=1000-")
    assert body(tail) == whole[1000:]
    suffix = client.get(url, HTTP_RANGE="bytes=-10")
    assert body(suffix) == whole[-10:]
    assert client.get(url, HTTP_RANGE=f"bytes={len(whole)}-").status_code == 416
    stale_range = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"other"')
    assert stale_range.status_code == 200 and body(stale_range) == whole
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=f'"{export.sha256}"')
    assert not_modified.status_code == 304


def test_latest_returns_the_newest_built_export_of_a_format(curated, admin, token_key):
    build(curated.project, admin, "sft")
    newest = build(curated.project, admin, "sft")
    build(curated.project, admin, "graded")
    client = client_for(token_key)
    response = client.get("/api/projects/chest-pain/exports/latest/?format=sft")
    assert response.status_code == 200
    assert (response.data["id"], response.data["version"]) == (newest.pk, 2)
    missing = client.get("/api/projects/chest-pain/exports/latest/?format=preference")
    assert missing.status_code == 404
    wrong = client.get("/api/projects/chest-pain/exports/latest/?format=csv")
    assert wrong.status_code == 400 and wrong.data["errors"][0]["field"] == "format"


def test_list_filters_by_project_format_and_status(curated, admin, token_key):
    build(curated.project, admin, "sft")
    build(curated.project, admin, "graded", file_format="parquet")
    client = client_for(token_key)
    assert client.get("/api/exports/").data["count"] == 2
    listed = client.get("/api/exports/?format=graded&file_format=parquet&status=done")
    assert [e["format"] for e in listed.data["results"]] == ["graded"]
    assert client.get("/api/exports/?project=chest-pain&status=failed").data["count"] == 0


def test_token_of_project_a_gets_404_on_project_b_exports(curated, admin, other_project, token_key):
    theirs = build(other_project, admin, "sft")
    client = client_for(token_key)
    for path in ("", "download/", "manifest/", "card/"):
        assert client.get(f"/api/exports/{theirs.pk}/{path}").status_code == 404
    assert client.get("/api/exports/999999/").status_code == 404
    assert client.get("/api/projects/stroke/exports/latest/?format=sft").status_code == 404
    created = client.post("/api/exports/", {"project": "stroke", "format": "sft"}, format="json")
    assert created.status_code == 404
    assert client.get("/api/exports/").data["count"] == 0
    assert Export.objects.filter(project=other_project).count() == 1


def test_token_gets_403_on_every_routed_non_export_api_endpoint(curated, token_key):
    from django.urls import get_resolver

    client = client_for(token_key)
    checked = 0
    for pattern in _api_paths(get_resolver()):
        if "exports" in pattern or "{" in pattern or "<" in pattern:
            continue
        response = client.get(pattern)
        assert response.status_code == 403, (pattern, response.status_code)
        checked += 1
    assert checked >= 1


def _api_paths(resolver, prefix=""):
    from django.urls import URLPattern, URLResolver

    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _api_paths(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/"):
            yield "/" + route.replace("^", "").replace("$", "")


def test_revoked_or_unknown_tokens_are_refused_and_use_is_recorded(curated, admin, token_key):
    token = PipelineToken.objects.get()
    assert token.last_used_at is None
    assert client_for(token_key).get("/api/exports/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at <= timezone.now()
    pipeline_token_revoke(token=token, actor=admin)
    assert client_for(token_key).get("/api/exports/").status_code == 401
    assert client_for("rpl_not-a-real-key").get("/api/exports/").status_code == 401
    actions = list(
        AuditEvent.objects.filter(object_type="exports.pipelinetoken").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["pipeline_token.create", "pipeline_token.revoke"]


def test_token_user_is_plain_and_only_admins_create_tokens(curated, admin, cardiologist):
    from core.errors import DomainError

    token, key = pipeline_token_create(name="ci", projects=[curated.project], actor=admin)
    assert key.startswith("rpl_") and token.key_hash != key
    assert not token.user.is_staff and not hasattr(token.user, "physician")
    with pytest.raises(DomainError):
        pipeline_token_create(name="x", projects=[curated.project], actor=cardiologist.user)


def test_staff_session_can_do_what_a_pipeline_does_and_physicians_cannot(
    curated, admin, cardiologist
):
    staff = APIClient()
    staff.force_login(admin)
    response = staff.post(
        "/api/exports/",
        {
            "project": "chest-pain",
            "format": "graded",
            "file_format": "parquet",
            "split": {"validation": 0.5, "seed": 1},
        },
        format="json",
    )
    assert response.status_code == 202
    physician = APIClient()
    physician.force_login(cardiologist.user)
    assert physician.get("/api/exports/").status_code == 403
    assert physician.get(f"/api/exports/{response.data['id']}/").status_code == 403


def test_download_of_an_unfinished_export_is_a_conflict(curated, admin, token_key):
    client = client_for(token_key)
    response = client.post(
        "/api/exports/", {"project": "chest-pain", "format": "sft"}, format="json"
    )
    download = client.get(f"/api/exports/{response.data['id']}/download/")
    assert download.status_code == 409
    assert "queued" in download.json()["detail"]


def test_bad_create_payload_names_the_field(curated, token_key):
    response = client_for(token_key).post(
        "/api/exports/",
        {"project": "chest-pain", "format": "sft", "filters": {"specialties": ["astrology"]}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "filters.specialties"


def test_the_openapi_schema_documents_every_export_endpoint(admin):
    client = APIClient()
    client.force_login(admin)
    response = client.get(
        "/api/schema/?format=json", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert response.status_code == 200
    schema = orjson.loads(response.content)
    paths = schema["paths"]
    for path in (
        "/api/exports/",
        "/api/exports/{export_id}/",
        "/api/exports/{export_id}/download/",
        "/api/exports/{export_id}/manifest/",
        "/api/exports/{export_id}/card/",
        "/api/projects/{slug}/exports/latest/",
    ):
        assert path in paths, path
    assert "202" in paths["/api/exports/"]["post"]["responses"]
    assert "PipelineToken" in schema["components"]["securitySchemes"]


@pytest.mark.parametrize(
    "query", ["project=chest%00pain", "status=do%00ne", "format=nope", "file_format=csv"]
)
def test_a_bad_filter_on_the_export_list_is_a_400_naming_it(curated, token_key, query):
    response = client_for(token_key).get(f"/api/exports/?{query}")
    assert response.status_code == 400, response.content
    assert query.split("=")[0] in response.json()


def test_the_download_documents_the_media_types_it_sends():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    content = schema["paths"]["/api/exports/{export_id}/download/"]["get"]["responses"]["200"]
    assert {"application/x-ndjson", "application/vnd.apache.parquet"} <= set(content["content"])


@pytest.mark.parametrize(
    "header",
    ["bytes=0-" + "9" * 4400, "bytes=" + "1" * 4400 + "-", "bytes=-" + "9" * 4400],
    ids=["last", "first", "suffix"],
)
def test_a_range_with_thousands_of_digits_is_a_416_in_the_error_shape(
    curated, admin, token_key, header
):
    export = build(curated.project, admin, "sft")
    response = client_for(token_key).get(f"/api/exports/{export.pk}/download/", HTTP_RANGE=header)
    assert response.status_code == 416, response.content
    assert response["Content-Range"] == f"bytes */{export.file_for(None)['bytes']}"
    body = response.json()
    assert body["errors"][0]["code"] == "range_not_satisfiable" and body["detail"]
