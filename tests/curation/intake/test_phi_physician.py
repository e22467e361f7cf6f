"""Physician-written text is refused on save when it carries a patient identifier.

The 400 names the field and the characters, so the physician can find and remove it; nothing
is stored. Clinical text dense with doses, scores and clinicians' names saves as before.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from curation.models import Adjudication, Review, ReviewDraft, Sample
from curation.reviewing.assignment import assignment_next
from curation.reviewing.reviews import review_submit
from tests.curation.agreement.test_adjudication import DECISION
from tests.curation.workflow_helpers import disputed_sample, grades
from tests.factories import SampleFactory

pytestmark = pytest.mark.django_db

CLINICAL = (
    "Per Dr. Hamilton's criteria and a Wells score of 6, start apixaban 5 mg BD (NICE NG158)."
)
WITH_PHONE = "Wells score 6; I called the patient's son on 020 7946 0958 about it."
_AT = WITH_PHONE.index("020")
SPAN = f"characters {_AT}-{_AT + len('020 7946 0958')}"


def client_for(physician) -> APIClient:
    client = APIClient()
    client.force_authenticate(physician.user)
    return client


def _the_error(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    [error] = body["errors"]
    return error


@pytest.fixture
def lease(cardiologist, project):
    SampleFactory(project=project)
    return assignment_next(user=cardiologist.user, project=project).assignment


def test_submit_refuses_a_rationale_with_a_phone_number_naming_field_and_span(cardiologist, lease):
    response = client_for(cardiologist).post(
        f"/api/assignments/{lease.pk}/submit/",
        {"grades": grades(), "verdict": "reject", "rationale": WITH_PHONE},
        format="json",
    )
    error = _the_error(response)
    assert (error["field"], error["code"]) == ("rationale", "identifier")
    assert "phone number" in error["message"] and SPAN in error["message"]
    assert "7946" not in response.content.decode()
    assert not Review.objects.exists()


def test_submit_refuses_a_correction_with_a_name_and_accepts_clinical_text(cardiologist, lease):
    client = client_for(cardiologist)
    url = f"/api/assignments/{lease.pk}/submit/"
    body = {"grades": grades(), "verdict": "revise", "rationale": CLINICAL}
    refused = client.post(
        url, body | {"corrected_answer": "Mrs. Abernathy should go to A&E now."}, format="json"
    )
    assert _the_error(refused)["field"] == "corrected_answer"
    saved = client.post(url, body | {"corrected_answer": "Go to A&E now."}, format="json")
    assert saved.status_code == 201, saved.content


def test_amend_refuses_an_identifier_and_keeps_the_review_as_it_was(cardiologist, lease):
    review = review_submit(
        assignment_id=lease.pk,
        user=cardiologist.user,
        grades=grades(),
        verdict="reject",
        rationale=CLINICAL,
    ).review
    response = client_for(cardiologist).patch(
        f"/api/reviews/{review.pk}/",
        {"rationale": "Discharged 12 Jan 2024, so the advice came too late."},
        format="json",
    )
    error = _the_error(response)
    assert error["field"] == "rationale" and "characters 11-22" in error["message"]
    review.refresh_from_db()
    assert (review.revision, review.rationale) == (1, CLINICAL)


def test_a_draft_with_an_identifier_is_refused_naming_the_payload_key(cardiologist, lease):
    client = client_for(cardiologist)
    url = f"/api/assignments/{lease.pk}/draft/"
    refused = client.put(
        url, {"payload": {"grades": {"accurate": True}, "rationale": "MRN: 7654321"}}, format="json"
    )
    error = _the_error(refused)
    assert error["field"] == "payload.rationale"
    assert "medical record number" in error["message"]
    assert not ReviewDraft.objects.exists()
    saved = client.put(url, {"payload": {"rationale": CLINICAL}}, format="json")
    assert saved.status_code == 200, saved.content


@pytest.fixture
def disputed(project, cardiologist, second_cardiologist):
    return disputed_sample(project, cardiologist, second_cardiologist, grades())


def test_an_adjudication_note_with_an_identifier_is_refused_and_nothing_settles(disputed, lead):
    client = client_for(lead)
    url = f"/api/adjudication/{disputed.pk}/"
    note = "Agree with the second reviewer; patient DOB 03/14/1931 per the letter."
    error = _the_error(client.post(url, DECISION | {"note": note}, format="json"))
    assert error["field"] == "note" and "date of birth" in error["message"]
    disputed.refresh_from_db()
    assert disputed.status == Sample.Status.ADJUDICATION
    assert not Adjudication.objects.exists()
    answer = "Call 555-123-4567 now."
    error = _the_error(client.post(url, DECISION | {"final_answer": answer}, format="json"))
    assert error["field"] == "final_answer"
    assert client.post(url, DECISION, format="json").status_code == 201
