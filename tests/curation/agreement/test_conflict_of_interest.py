"""A lead who reviewed a sample neither rewrites her review after seeing others nor decides it."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from curation.models import Adjudication, Sample

from .conftest import AGREE, record_review

DECISION = {
    "grades": {"accurate": True, "completeness": 3, "urgency": "emergent", "advises_er": None},
    "verdict": "accept",
    "final_answer": "",
    "note": "Most of the panel was right.",
}
PAGE_DECISION = {
    "grade-accurate": "true",
    "grade-completeness": "3",
    "grade-urgency": "emergent",
    "grade-advises_er": "na",
    "verdict": "accept",
    "note": "Most of the panel was right.",
}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def in_adjudication(make_sample, lead, cardiologist):
    """A sample the lead reviewed herself, with a disagreeing peer, waiting for a decision."""
    sample = make_sample()
    mine = record_review(sample, lead, dict(AGREE), "accept")
    record_review(sample, cardiologist, dict(AGREE, urgency="routine"), "reject")
    Sample.objects.filter(pk=sample.pk).update(status=Sample.Status.ADJUDICATION)
    sample.refresh_from_db()
    return sample, mine


@pytest.mark.parametrize("status", [Sample.Status.COMPLETE, Sample.Status.ADJUDICATION])
def test_a_review_is_frozen_once_its_sample_leaves_open_api(in_adjudication, lead, status):
    sample, mine = in_adjudication
    Sample.objects.filter(pk=sample.pk).update(status=status)
    response = api(lead.user).patch(
        f"/api/reviews/{mine.pk}/",
        {"grades": dict(AGREE, urgency="routine"), "verdict": "reject", "rationale": "Changed."},
        format="json",
    )
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["errors"][0]["code"] == "reviews_frozen"
    assert body["errors"][0]["field"] == "review"
    assert "can no longer be amended" in body["detail"]
    mine.refresh_from_db()
    assert mine.revision == 1 and mine.verdict == "accept"


def test_a_review_is_frozen_once_its_sample_leaves_open_page(in_adjudication, lead):
    sample, mine = in_adjudication
    client = page(lead.user)
    assert "Save amendment" not in client.get(f"/reviews/{mine.pk}/").content.decode()
    response = client.post(
        f"/reviews/{mine.pk}/",
        {"accurate": "true", "verdict": "reject", "rationale": "Changed my mind."},
    )
    assert response.status_code == 409
    assert "can no longer be amended" in response.content.decode()
    mine.refresh_from_db()
    assert mine.revision == 1


def test_a_lead_who_reviewed_the_sample_cannot_decide_it_api(in_adjudication, lead):
    sample, _ = in_adjudication
    response = api(lead.user).post(f"/api/adjudication/{sample.pk}/", DECISION, format="json")
    assert response.status_code == 403, response.content
    body = response.json()
    assert "another lead" in body["detail"]
    assert body["errors"][0]["code"] == "reviewed_this_sample"
    assert not Adjudication.objects.exists()
    sample.refresh_from_db()
    assert sample.status == Sample.Status.ADJUDICATION


def test_a_lead_who_reviewed_the_sample_cannot_decide_it_page(in_adjudication, lead):
    sample, _ = in_adjudication
    client = page(lead.user)
    shown = client.get(f"/adjudication/{sample.pk}/").content.decode()
    assert "another lead" in shown and "Final label" not in shown
    response = client.post(f"/adjudication/{sample.pk}/", PAGE_DECISION)
    assert response.status_code == 403
    assert not Adjudication.objects.exists()


def test_the_queue_shows_the_sample_but_says_another_lead_must_decide(in_adjudication, lead):
    sample, _ = in_adjudication
    items = api(lead.user).get("/api/adjudication/").json()["results"]
    assert [(i["id"], i["may_decide"]) for i in items] == [(sample.pk, False)]
    assert "another lead" in items[0]["decide_note"]
    assert "another lead" in page(lead.user).get("/adjudication/").content.decode()


def test_another_lead_decides_it(in_adjudication, cohort, lead):
    from tests.factories import PhysicianFactory, join

    sample, _ = in_adjudication
    other = PhysicianFactory(user__username="otto@rounds.test", specialties=["cardiology"])
    join(cohort, other, role="lead")
    items = api(other.user).get("/api/adjudication/").json()["results"]
    assert items[0]["may_decide"] is True and items[0]["decide_note"] == ""
    response = api(other.user).post(f"/api/adjudication/{sample.pk}/", DECISION, format="json")
    assert response.status_code == 201, response.content
