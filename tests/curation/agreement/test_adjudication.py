"""Adjudication: who may open and decide a sample, and what the decision does."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.models import AuditEvent
from curation.agreement.services import agreement_compute
from curation.models import Adjudication, Sample
from tests.factories import CohortFactory, PhysicianFactory, ProjectFactory, SampleFactory, join

from .conftest import AGREE, record_review

DECISION = {
    "grades": {"accurate": True, "completeness": 3, "urgency": "emergent", "advises_er": None},
    "verdict": "revise",
    "final_answer": "Call emergency services now: crushing chest pain can be a heart attack.",
    "note": "Two of three saw the red flag; the third missed the radiation to the arm.",
}


@pytest.fixture
def disputed(project, panel, make_sample):
    sample = make_sample(answer="Rest and see your doctor next week.")
    record_review(sample, panel[0], dict(AGREE, urgency="emergent"), "accept")
    record_review(sample, panel[1], dict(AGREE, urgency="routine"), "reject")
    record_review(
        sample,
        panel[2],
        dict(AGREE, urgency="urgent"),
        "revise",
        corrected_answer="Call emergency services now.",
    )
    agreement_compute(project=project, method="majority")
    sample.refresh_from_db()
    assert sample.status == "adjudication"
    return sample


def client_for(physician_or_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(getattr(physician_or_user, "user", physician_or_user))
    return client


def test_lead_sees_all_reviews_side_by_side_unblinded(disputed, lead):
    response = client_for(lead).get(f"/api/adjudication/{disputed.pk}/")
    assert response.status_code == 200
    reviews = response.json()["reviews"]
    assert len(reviews) == 3
    assert {r["reviewer"]["name"] for r in reviews} == {
        "Alice Smith",
        "Bob Smith",
        "Carl Carter",
    } or all(r["reviewer"]["name"] for r in reviews)
    assert {r["verdict"] for r in reviews} == {"accept", "reject", "revise"}


def test_queue_lists_the_disputed_sample_for_its_lead(disputed, lead):
    response = client_for(lead).get("/api/adjudication/")
    assert response.status_code == 200
    assert [s["id"] for s in response.json()["results"]] == [disputed.pk]


def test_reviewer_cannot_open_the_queue_or_the_sample(disputed, cardiologist):
    client = client_for(cardiologist)
    assert client.get("/api/adjudication/").status_code == 403
    assert client.get(f"/api/adjudication/{disputed.pk}/").status_code == 403
    assert (
        client.post(f"/api/adjudication/{disputed.pk}/", DECISION, format="json").status_code == 403
    )


def test_lead_of_another_cohort_gets_not_found(disputed, db):
    other = CohortFactory(slug="neuro-panel")
    ProjectFactory(slug="headache", cohorts=[other])
    stranger = PhysicianFactory(user__username="olga@rounds.test", specialties=["neurology"])
    join(other, stranger, role="lead")
    client = client_for(stranger)
    assert client.get(f"/api/adjudication/{disputed.pk}/").status_code == 404
    assert (
        client.post(f"/api/adjudication/{disputed.pk}/", DECISION, format="json").status_code == 404
    )
    assert client.get("/api/adjudication/").json()["results"] == []


def test_lead_decision_settles_the_sample_and_is_audited(disputed, lead):
    response = client_for(lead).post(f"/api/adjudication/{disputed.pk}/", DECISION, format="json")
    assert response.status_code == 201, response.content
    sample = Sample.objects.get(pk=disputed.pk)
    assert sample.status == "settled"
    assert sample.final_source == "adjudication"
    assert sample.final_verdict == "revise"
    assert sample.final_answer == DECISION["final_answer"]
    assert sample.final_grades == DECISION["grades"]
    event = AuditEvent.objects.get(action="sample.adjudicated", object_id=str(sample.pk))
    assert event.actor == lead.user
    assert event.before["status"] == "adjudication"


def test_second_decision_is_refused_with_a_conflict(disputed, lead):
    client = client_for(lead)
    assert (
        client.post(f"/api/adjudication/{disputed.pk}/", DECISION, format="json").status_code == 201
    )
    again = client.post(f"/api/adjudication/{disputed.pk}/", DECISION, format="json")
    assert again.status_code == 409
    assert "not waiting for adjudication" in again.json()["detail"]
    assert Adjudication.objects.count() == 1


def test_invalid_grades_are_named_and_nothing_is_written(disputed, lead):
    bad = dict(DECISION, grades=dict(DECISION["grades"], completeness=9), final_answer="")
    response = client_for(lead).post(f"/api/adjudication/{disputed.pk}/", bad, format="json")
    assert response.status_code == 400
    fields = {e.get("field") for e in response.json()["errors"]}
    assert {"grades.completeness", "corrected_answer"} <= fields
    assert Sample.objects.get(pk=disputed.pk).status == "adjudication"
    assert not Adjudication.objects.exists()


def test_lead_cannot_open_a_sample_still_collecting_reviews(project, lead, cardiologist):
    sample = SampleFactory(project=project)
    record_review(sample, cardiologist)
    assert client_for(lead).get(f"/api/adjudication/{sample.pk}/").status_code == 404


def test_decision_page_shows_the_correction_as_a_word_diff_and_records(disputed, lead, client):
    client.force_login(lead.user)
    page = client.get(f"/adjudication/{disputed.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="review"') == 3
    assert "<del>Rest and see your doctor next week.</del>" in html
    assert "<ins>Call emergency services now.</ins>" in html
    form = {
        "grade-accurate": "true",
        "grade-completeness": "3",
        "grade-urgency": "emergent",
        "grade-advises_er": "na",
        "verdict": "accept",
        "note": "The answer stands.",
    }
    done = client.post(f"/adjudication/{disputed.pk}/", form)
    assert done.status_code == 302
    sample = Sample.objects.get(pk=disputed.pk)
    assert (sample.status, sample.final_answer) == ("settled", sample.answer)


def test_decision_page_says_what_is_missing(disputed, lead, client):
    client.force_login(lead.user)
    page = client.post(f"/adjudication/{disputed.pk}/", {"verdict": "accept", "note": "x"})
    assert page.status_code == 400
    assert "grades.accurate" in page.content.decode()


def test_reviewer_is_refused_the_adjudication_pages(disputed, cardiologist, client):
    client.force_login(cardiologist.user)
    assert client.get("/adjudication/").status_code == 403
    assert client.get(f"/adjudication/{disputed.pk}/").status_code == 403


def test_queue_and_report_list_are_documented_as_the_pages_they_return(disputed, lead):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]

    def page_of(path: str) -> dict:
        ref = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        page = components[ref["schema"]["$ref"].rsplit("/", 1)[1]]
        assert {"count", "next", "previous", "results"} <= set(page["properties"])
        return components[page["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[1]]

    item = page_of("/api/adjudication/")
    page_of("/api/projects/{slug}/agreement/reports/")
    body = client_for(lead).get("/api/adjudication/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    for name, value in body["results"][0].items():
        if value is None:
            assert item["properties"][name].get("nullable"), name
