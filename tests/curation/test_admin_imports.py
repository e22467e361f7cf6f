"""Samples and historical reviews come in through the Django admin too, via the same services."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from curation.models import Review, Sample

pytestmark = pytest.mark.django_db


def _upload(client, project, kind, name, lines):
    body = "\n".join(json.dumps(line) for line in lines).encode()
    return client.post(
        f"/admin/curation/project/{project.pk}/import/{kind}/",
        {"file": SimpleUploadedFile(name, body)},
    )


def _sample(external_id):
    return {
        "id": external_id,
        "messages": [{"role": "user", "content": "Is a resting heart rate of 48 a worry?"}],
        "answer": "Not in a fit adult without symptoms; see a doctor if you faint.",
        "specialty": "cardiology",
    }


def test_admin_imports_samples_then_reviews_into_a_project(client, admin, project, cardiologist):
    client.force_login(admin)
    response = _upload(client, project, "samples", "s.jsonl", [_sample("a-1"), _sample("a-2")])
    assert response.status_code == 302
    assert Sample.objects.filter(project=project).count() == 2

    review = {
        "sample_id": "a-1",
        "physician": cardiologist.user.email,
        "grades": {"accurate": True, "completeness": 4, "urgency": "routine", "advises_er": None},
        "verdict": "accept",
        "submitted_at": "2026-11-03T10:12:00Z",
    }
    response = _upload(client, project, "reviews", "r.jsonl", [review])
    assert response.status_code == 302
    assert Review.objects.get(sample__external_id="a-1").reviewer == cardiologist.user


def test_a_bad_file_is_listed_by_line_and_nothing_is_written(client, admin, project):
    client.force_login(admin)
    bad = {**_sample("b-2"), "specialty": "astrology"}
    response = _upload(client, project, "samples", "bad.jsonl", [_sample("b-1"), bad])
    assert response.status_code == 200
    page = response.content.decode()
    assert "astrology" in page and "2" in page
    assert not Sample.objects.filter(project=project).exists()


def test_the_action_sends_the_admin_to_the_upload_page_of_one_project(client, admin, project):
    client.force_login(admin)
    response = client.post(
        "/admin/curation/project/",
        {"action": "import_reviews_action", "_selected_action": [project.pk]},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/admin/curation/project/{project.pk}/import/reviews/")


def test_a_physician_cannot_reach_the_admin_import(client, cardiologist, project):
    client.force_login(cardiologist.user)
    response = _upload(client, project, "samples", "s.jsonl", [_sample("c-1")])
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Sample.objects.filter(project=project).exists()
