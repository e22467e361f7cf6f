"""A failed export is retried by the pipeline that asked for it; its error names no server path."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.models import OutboxMessage
from exports import storage
from exports.models import Export
from exports.services import export_build, export_create, pipeline_token_create
from tests.factories import ProjectFactory, UserFactory

SERVER_PATH = "/data/storage/exports/.tmp/1-1/train.jsonl"


@pytest.fixture
def full_disk(monkeypatch):
    """The storage volume is full: the build fails with the OS's message, path included."""

    def no_space(**kwargs):
        raise OSError(28, "No space left on device", SERVER_PATH)

    monkeypatch.setattr(storage, "work_dir", no_space)


@pytest.fixture
def tokens(curated, admin, cohort):
    other = ProjectFactory(slug="stroke", cohorts=[cohort])
    _, asker = pipeline_token_create(name="asker", projects=[curated.project], actor=admin)
    _, sibling = pipeline_token_create(name="sibling", projects=[curated.project], actor=admin)
    _, stranger = pipeline_token_create(name="stranger", projects=[other], actor=admin)
    return {"asker": asker, "sibling": sibling, "stranger": stranger}


@pytest.fixture
def failed(curated, tokens, full_disk):
    asker = APIClient()
    asker.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['asker']}")
    created = asker.post("/api/exports/", {"project": "chest-pain", "format": "sft"}, format="json")
    export = export_build(export_id=created.data["id"])
    assert export.status == "failed"
    return export


def client(*, token: str | None = None, user=None) -> APIClient:
    c = APIClient()
    if token:
        c.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    if user is not None:
        c.force_login(user)
    return c


def test_the_error_pipelines_read_names_no_server_path(failed, tokens, admin):
    assert SERVER_PATH in failed.error  # kept for the operators' log and admin pages
    for reader in (client(token=tokens["asker"]), client(user=admin)):
        shown = reader.get(f"/api/exports/{failed.pk}/").data["error"]
        assert "No space left on device" in shown
        assert "/data" not in shown and "[path]" in shown
        listed = reader.get("/api/exports/?status=failed").data["results"][0]["error"]
        assert listed == shown


def test_the_pipeline_that_asked_retries_its_failed_export(failed, tokens, monkeypatch):
    monkeypatch.undo()  # the disk has room again
    response = client(token=tokens["asker"]).post(f"/api/exports/{failed.pk}/retry/")
    assert response.status_code == 202, response.content
    assert response.data["status"] == "queued" and response.data["error"] == ""
    assert response["Location"].endswith(f"/api/exports/{failed.pk}/")
    assert OutboxMessage.objects.filter(task="exports.build", args=[failed.pk]).count() == 2
    rebuilt = export_build(export_id=failed.pk)  # what the worker does with it
    assert rebuilt.status == "done" and rebuilt.version == failed.version
    assert rebuilt.attempt == 2


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("reviewer", 403),
        ("stranger token", 404),
        ("sibling token", 403),
        ("project admin", 202),
        ("staff", 202),
        ("asking token", 202),
    ],
)
def test_who_may_retry_a_failed_export(who, status, failed, tokens, admin, cardiologist, curated):
    project_admin = UserFactory(username="pa@rounds.test")
    curated.project.admins.add(project_admin)
    callers = {
        "anonymous": client(),
        "reviewer": client(user=cardiologist.user),
        "stranger token": client(token=tokens["stranger"]),
        "sibling token": client(token=tokens["sibling"]),
        "project admin": client(user=project_admin),
        "staff": client(user=admin),
        "asking token": client(token=tokens["asker"]),
    }
    response = callers[who].post(f"/api/exports/{failed.pk}/retry/")
    assert response.status_code == status, response.content
    expected = "queued" if status == 202 else "failed"
    assert Export.objects.get(pk=failed.pk).status == expected


def test_only_a_failed_export_can_be_retried(curated, tokens):
    asker = client(token=tokens["asker"])
    created = asker.post("/api/exports/", {"project": "chest-pain", "format": "sft"}, format="json")
    export_build(export_id=created.data["id"])
    response = asker.post(f"/api/exports/{created.data['id']}/retry/")
    assert response.status_code == 409
    assert "Only a failed export" in response.json()["detail"]


def test_a_retry_by_staff_of_an_export_without_token_still_works(curated, admin, full_disk):
    export = export_create(actor=admin, project=curated.project, format="sft", enqueue=False)
    export_build(export_id=export.pk)
    response = client(user=admin).post(f"/api/exports/{export.pk}/retry/")
    assert response.status_code == 202
