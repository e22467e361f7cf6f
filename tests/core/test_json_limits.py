"""JSON a reviewer or an importer can send that the stack cannot carry is a 400, never a 500.

Each case was a 500 once: nesting deep enough for a RecursionError (submit, draft) or for orjson's
encoder to give up (import metadata), a lone surrogate that PostgreSQL refuses (DataError), and a
NUL character in the review page's autosave.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from core.jsonsafe import problems
from curation.models import ReviewDraft, Sample
from curation.reviewing.assignment import assignment_next
from tests.factories import SampleFactory

pytestmark = pytest.mark.django_db

DEEP = b'{"payload": ' + b"[" * 1200 + b"]" * 1200 + b"}"
SURROGATE = b'{"payload": {"rationale": "chest \\ud800 pain"}}'


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def nested(levels: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(levels):
        value = {"k": value}
    return value


def assert_standard_400(response, field: str | None = None) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] and body["errors"][0]["message"], body
    if field is not None:
        assert body["errors"][0]["field"] == field, body
    return body


@pytest.fixture
def lease(cardiologist, project):
    SampleFactory(project=project)
    return assignment_next(user=cardiologist.user, project=project).assignment


def test_submit_nested_a_thousand_deep_is_a_400(cardiologist, lease):
    body = b'{"verdict": "accept", "grades": ' + b"[" * 1200 + b"]" * 1200 + b"}"
    response = api(cardiologist.user).post(
        f"/api/assignments/{lease.pk}/submit/", body, content_type="application/json"
    )
    assert_standard_400(response)
    assert "nested more than" in response.json()["detail"]


def test_api_draft_nested_a_thousand_deep_is_a_400(cardiologist, lease):
    response = api(cardiologist.user).put(
        f"/api/assignments/{lease.pk}/draft/", DEEP, content_type="application/json"
    )
    assert_standard_400(response)
    assert not ReviewDraft.objects.exists()


def test_api_draft_nested_just_past_the_limit_names_where(cardiologist, lease, settings):
    settings.JSON_MAX_DEPTH = 10
    body = json.dumps({"payload": nested(12)}).encode()
    response = api(cardiologist.user).put(
        f"/api/assignments/{lease.pk}/draft/", body, content_type="application/json"
    )
    assert_standard_400(response, field="payload.k.k.k.k.k.k.k.k.k")


def test_api_draft_with_a_lone_surrogate_is_a_400(cardiologist, lease):
    response = api(cardiologist.user).put(
        f"/api/assignments/{lease.pk}/draft/", SURROGATE, content_type="application/json"
    )
    assert_standard_400(response)
    assert not ReviewDraft.objects.exists()


def test_api_draft_with_a_nul_character_names_the_field(cardiologist, lease):
    response = api(cardiologist.user).put(
        f"/api/assignments/{lease.pk}/draft/",
        {"payload": {"rationale": "chest\u0000pain"}},
        format="json",
    )
    assert_standard_400(response, field="payload.rationale")


@pytest.mark.parametrize(
    "body",
    [
        b'{"rationale": "chest\\u0000pain"}',
        b'{"rationale": "chest \\ud800 pain"}',
        b"[" * 1200 + b"]" * 1200,
        b'{"x": ' + b"[" * 300 + b"]" * 300 + b"}",
    ],
    ids=["nul", "surrogate", "deep", "deep-object"],
)
def test_review_page_autosave_refuses_what_cannot_be_stored(client, cardiologist, lease, body):
    client.force_login(cardiologist.user)
    response = client.post(f"/review/{lease.pk}/draft/", body, content_type="application/json")
    assert_standard_400(response)
    assert not ReviewDraft.objects.exists()


def _sample(**over) -> dict:
    return {
        "id": "s-1",
        "messages": [{"role": "user", "content": "Can I fly six weeks after a DVT?"}],
        "answer": "Usually yes on anticoagulation.",
        "specialty": "cardiology",
        **over,
    }


def test_import_body_with_metadata_nested_300_deep_is_a_400(project, admin):
    response = api(admin).post(
        f"/api/projects/{project.slug}/samples/import/",
        json.dumps([_sample(metadata=nested(300))]).encode(),
        content_type="application/json",
    )
    assert_standard_400(response)
    assert Sample.objects.count() == 0


def test_import_file_with_metadata_nested_300_deep_names_line_and_field(project, admin):
    rows = [_sample(id="ok"), _sample(id="deep", metadata=nested(300))]
    upload = SimpleUploadedFile("batch.jsonl", "".join(json.dumps(r) + "\n" for r in rows).encode())
    response = api(admin).post(
        f"/api/projects/{project.slug}/samples/import/", {"file": upload}, format="multipart"
    )
    body = assert_standard_400(response)
    error = body["errors"][0]
    assert error["line"] == 2 and error["field"].startswith("metadata.k.k")
    assert "nested more than" in error["message"]
    assert Sample.objects.count() == 0


def test_import_file_with_a_nul_in_a_message_names_line_and_field(project, admin):
    row = _sample(messages=[{"role": "user", "content": "chest\u0000pain"}])
    upload = SimpleUploadedFile("batch.jsonl", (json.dumps(row) + "\n").encode())
    response = api(admin).post(
        f"/api/projects/{project.slug}/samples/import/", {"file": upload}, format="multipart"
    )
    body = assert_standard_400(response)
    assert (body["errors"][0]["line"], body["errors"][0]["field"]) == (1, "messages[0].content")


def test_the_walk_itself_survives_any_depth():
    value: list = []
    for _ in range(100_000):
        value = [value]
    assert problems(value)[0][1].startswith("is nested more than")
    assert problems({"a": ["fine", {"b": "ok"}]}) == []
