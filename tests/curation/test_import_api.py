"""POST /api/projects/<slug>/samples/import/: upload, JSON body, errors, who may import."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from curation.models import Sample
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def url(project) -> str:
    return f"/api/projects/{project.slug}/samples/import/"


def sample(i: int, **over) -> dict:
    return {
        "id": f"s-{i}",
        "messages": [{"role": "user", "content": "Can I fly six weeks after a DVT?"}],
        "answer": "Usually yes on anticoagulation; move around and stay hydrated.",
        "specialty": "hematology",
        **over,
    }


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_admin_uploads_a_jsonl_file_and_gets_counts(project, admin):
    body = "".join(json.dumps(sample(i)) + "\n" for i in range(3)).encode()
    upload = SimpleUploadedFile("batch.jsonl", body, content_type="application/x-ndjson")
    response = client_for(admin).post(url(project), {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 3
    assert response.json()["file"] == "batch.jsonl"
    again = client_for(admin).post(
        url(project),
        {"file": SimpleUploadedFile("batch.jsonl", body)},
        format="multipart",
    )
    assert again.status_code == 200
    assert again.json()["summary"] == "0 created, 0 updated, 3 unchanged, 0 quarantined"


def test_json_body_as_a_list_or_wrapped_and_update_flag(project, admin):
    client = client_for(admin)
    assert client.post(url(project), [sample(1)], format="json").status_code == 201
    response = client.post(url(project), {"samples": [sample(1, answer="Changed.")]}, format="json")
    assert response.json()["conflicts"] == ["s-1"]
    response = client.post(
        f"{url(project)}?update=true", {"samples": [sample(1, answer="Changed.")]}, format="json"
    )
    assert response.status_code == 200 and response.json()["updated"] == 1
    assert Sample.objects.get().answer == "Changed."


def test_invalid_samples_get_a_400_listing_each_error_and_nothing_is_written(project, admin):
    response = client_for(admin).post(
        url(project), [sample(1), sample(2, specialty="cardio"), {"id": "s-3"}], format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"file": "request body", "line": 2, "field": "specialty"}.items() <= errors[0].items()
    assert errors[0]["message"].startswith("unknown specialty 'cardio'")
    assert [(e["line"], e["field"], e["message"]) for e in errors[1:]] == [
        (3, "messages", "is required"),
        (3, "answer", "is required"),
    ]
    assert Sample.objects.count() == 0


def test_broken_upload_names_file_and_line(project, admin):
    upload = SimpleUploadedFile("bad.jsonl", b'{"id": "s-1"}\n{oops\n')
    response = client_for(admin).post(url(project), {"file": upload}, format="multipart")
    assert response.status_code == 400
    lines = [(e["file"], e["line"]) for e in response.json()["errors"]]
    assert ("bad.jsonl", 2) in lines


def test_a_body_that_is_not_a_list_is_refused(project, admin):
    response = client_for(admin).post(url(project), {"rows": []}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "samples"


def test_unknown_format_parameter_is_a_400(project, admin):
    response = client_for(admin).post(f"{url(project)}?format=xml", [sample(1)], format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "format"


def test_project_admin_may_import_but_a_physician_may_not(project, cardiologist, lead):
    owner = UserFactory(username="owner@rounds.test")
    project.admins.add(owner)
    assert client_for(owner).post(url(project), [sample(1)], format="json").status_code == 201
    missing = client_for(cardiologist.user).post(
        "/api/projects/nope/samples/import/", [sample(2)], format="json"
    )
    assert missing.status_code == 404
    for physician in (cardiologist, lead):
        response = client_for(physician.user).post(url(project), [sample(2)], format="json")
        # The same answer as for a project that does not exist: no way to tell them apart.
        assert (response.status_code, response.json()) == (404, missing.json())
    assert not Sample.objects.filter(external_id="s-2").exists()


def test_anonymous_is_refused(project):
    response = client_for(None).post(url(project), [sample(1)], format="json")
    assert response.status_code in (401, 403)


def test_unknown_project_is_404(admin):
    response = client_for(admin).post("/api/projects/nope/samples/import/", [], format="json")
    assert response.status_code == 404


def test_endpoint_is_in_the_openapi_schema(admin):
    response = client_for(admin).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    operation = response.json()["paths"]["/api/projects/{slug}/samples/import/"]["post"]
    assert set(operation["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    assert {"200", "201", "400", "403"} <= set(operation["responses"])
