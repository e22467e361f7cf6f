"""Quarantine reaches live work: a sample quarantined while a physician holds its lease.

The lease is revoked (its slot goes back), the content is withheld from the API, the review page
and `next`, submit and draft are refused with a 409 naming why, and a release puts the sample
back in the queue.
"""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from curation.intake.services import samples_import
from curation.models import Assignment, Review, Sample
from curation.reviewing.assignment import assignment_next
from curation.reviewing.lifecycle import sample_release
from curation.reviewing.reviews import review_submit
from tests.curation.workflow_helpers import grades, held
from tests.factories import SampleFactory

pytestmark = pytest.mark.django_db

IDENTIFIER = "SSN 123-45-6789"
LEAKED = "my SSN is 123-45-6789"


def _api(physician) -> APIClient:
    client = APIClient()
    client.force_authenticate(physician.user)
    return client


def _quarantine_by_import(sample: Sample, admin) -> None:
    """The same id imported again, with update, now carrying an identifier."""
    samples_import(
        project=sample.project,
        source=[
            {
                "id": sample.external_id,
                "messages": [{"role": "user", "content": f"Chest pain, {LEAKED}."}],
                "answer": sample.answer,
            }
        ],
        update=True,
        actor=admin,
    )


def _quarantine_by_admin(sample: Sample, admin) -> None:
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/curation/sample/",
        {"action": "quarantine_samples", "_selected_action": [sample.pk]},
    )
    assert response.status_code == 302


QUARANTINE = {"import": _quarantine_by_import, "admin": _quarantine_by_admin}


@pytest.fixture(params=sorted(QUARANTINE))
def quarantined_lease(request, cardiologist, project, admin):
    """Alice leased a sample; then it was quarantined (by re-import or by an admin)."""
    project.overlap = 2
    project.save()
    sample = SampleFactory(project=project, external_id="leaked", slots_open=2)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    assert lease is not None and lease.sample_id == sample.pk
    QUARANTINE[request.param](sample, admin)
    sample.refresh_from_db()
    assert sample.quarantined
    return lease, sample


def _quarantined_error(response) -> dict:
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["errors"][0]["code"] == "quarantined"
    assert "quarantine" in body["detail"].lower()
    return body


def test_quarantine_revokes_the_live_lease_and_returns_its_slot(quarantined_lease):
    lease, sample = quarantined_lease
    lease.refresh_from_db()
    assert lease.status != Assignment.Status.LEASED
    sample.refresh_from_db()
    assert sample.slots_open + held(sample) == sample.project.overlap == 2


def test_api_submit_after_quarantine_is_refused(quarantined_lease, cardiologist):
    lease, sample = quarantined_lease
    response = _api(cardiologist).post(
        f"/api/assignments/{lease.pk}/submit/",
        {"grades": grades(), "verdict": "accept"},
        format="json",
    )
    _quarantined_error(response)
    assert not Review.objects.filter(sample=sample).exists()
    sample.refresh_from_db()
    assert sample.reviews_done == 0 and sample.slots_open == 2


def test_api_draft_after_quarantine_is_refused(quarantined_lease, cardiologist):
    lease, _ = quarantined_lease
    response = _api(cardiologist).put(
        f"/api/assignments/{lease.pk}/draft/", {"payload": {"rationale": "x"}}, format="json"
    )
    _quarantined_error(response)


def test_api_assignment_detail_withholds_quarantined_content(quarantined_lease, cardiologist):
    lease, sample = quarantined_lease
    response = _api(cardiologist).get(f"/api/assignments/{lease.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "123-45-6789" not in text and sample.answer not in text
    assert response.json()["sample"] is None
    assert response.json()["withheld"] == "quarantined"
    listed = _api(cardiologist).get("/api/assignments/").content.decode()
    assert "123-45-6789" not in listed and sample.answer not in listed


def test_review_page_withholds_quarantined_content(quarantined_lease, cardiologist):
    lease, sample = quarantined_lease
    client = Client()
    client.force_login(cardiologist.user)
    page = client.get(f"/review/{lease.pk}/")
    assert page.status_code == 302
    assert "123-45-6789" not in page.content.decode()
    posted = client.post(
        f"/review/{lease.pk}/",
        {"verdict": "accept", "accurate": "yes", "completeness": "4", "urgency": "emergent"},
    )
    assert posted.status_code in (302, 409)
    assert not Review.objects.filter(sample=sample).exists()
    draft = client.post(
        f"/review/{lease.pk}/draft/", b'{"rationale": "x"}', content_type="application/json"
    )
    _quarantined_error(draft)


def test_next_does_not_resume_a_quarantined_lease(quarantined_lease, cardiologist, project):
    lease, sample = quarantined_lease
    other = SampleFactory(project=project, external_id="clean", slots_open=2)
    response = _api(cardiologist).post(f"/api/projects/{project.slug}/next/")
    assert response.status_code == 201
    assert response.json()["id"] != lease.pk
    assert response.json()["sample"]["external_id"] == other.external_id


def test_next_answers_nothing_when_only_the_quarantined_sample_is_left(
    quarantined_lease, cardiologist, project
):
    response = _api(cardiologist).post(f"/api/projects/{project.slug}/next/")
    assert response.status_code == 204


def test_release_puts_the_sample_back_in_the_queue(
    quarantined_lease, second_cardiologist, admin, project
):
    lease, sample = quarantined_lease
    assert _api(second_cardiologist).post(f"/api/projects/{project.slug}/next/").status_code == 204
    sample_release(sample=sample, actor=admin, note="Checked: the number is fictitious.")
    response = _api(second_cardiologist).post(f"/api/projects/{project.slug}/next/")
    assert response.status_code == 201
    assert response.json()["sample"]["external_id"] == "leaked"
    sample.refresh_from_db()
    assert sample.slots_open + held(sample) == project.overlap


def test_my_submitted_review_page_withholds_a_sample_quarantined_later(
    cardiologist, project, admin
):
    sample = SampleFactory(project=project, external_id="later")
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    review = review_submit(
        assignment_id=lease.pk, user=cardiologist.user, grades=grades(), verdict="accept"
    ).review
    _quarantine_by_admin(sample, admin)
    client = Client()
    client.force_login(cardiologist.user)
    page = client.get(f"/reviews/{review.pk}/")
    assert page.status_code == 302
    assert sample.answer not in page.content.decode()
