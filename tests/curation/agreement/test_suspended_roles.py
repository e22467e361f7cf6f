"""Losing standing takes effect at once: existing sessions and personal tokens lose lead and admin
powers the moment a physician is suspended, unverified or removed from the cohort."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from annotators.models import CohortMembership, Physician
from core.tokens import api_token_create
from curation.models import Adjudication, Sample
from tests.factories import PhysicianFactory, join

from .conftest import AGREE, record_review
from .test_conflict_of_interest import DECISION, PAGE_DECISION


@pytest.fixture
def disputed(make_sample, cardiologist, second_cardiologist):
    sample = make_sample()
    record_review(sample, cardiologist, dict(AGREE), "accept")
    record_review(sample, second_cardiologist, dict(AGREE, urgency="routine"), "reject")
    Sample.objects.filter(pk=sample.pk).update(status=Sample.Status.ADJUDICATION)
    return sample


def suspend(physician) -> None:
    Physician.objects.filter(pk=physician.pk).update(status=Physician.Status.SUSPENDED)


def unverify(physician) -> None:
    Physician.objects.filter(pk=physician.pk).update(verification=Physician.Verification.REJECTED)


def remove(physician) -> None:
    CohortMembership.objects.filter(physician=physician).delete()


LOSSES = {"suspended": suspend, "unverified": unverify, "removed": remove}


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_a_lead_who_lost_standing_is_refused_with_an_open_session(disputed, lead, loss):
    client = Client()
    client.force_login(lead.user)
    assert client.get("/adjudication/").status_code == 200  # signed in while still a lead
    LOSSES[loss](lead)
    assert client.get("/adjudication/").status_code == 403
    assert client.get(f"/adjudication/{disputed.pk}/").status_code == 403
    assert client.post(f"/adjudication/{disputed.pk}/", PAGE_DECISION).status_code == 403
    assert client.get("/api/adjudication/").status_code == 403
    assert client.get(f"/api/adjudication/{disputed.pk}/").status_code == 403
    response = client.post(
        f"/api/adjudication/{disputed.pk}/", DECISION, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Adjudication.objects.exists()


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_a_lead_who_lost_standing_is_refused_with_a_personal_token(disputed, lead, loss):
    _, key = api_token_create(user=lead.user, name="laptop")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/adjudication/").status_code == 200
    LOSSES[loss](lead)
    assert client.get("/api/adjudication/").status_code == 403
    assert client.get(f"/api/adjudication/{disputed.pk}/").status_code == 403
    response = client.post(f"/api/adjudication/{disputed.pk}/", DECISION, format="json")
    assert response.status_code == 403
    assert not Adjudication.objects.exists()


def test_the_refusal_says_why(disputed, lead):
    suspend(lead)
    client = APIClient()
    client.force_authenticate(lead.user)
    body = client.get("/api/adjudication/").json()
    assert "suspended" in body["detail"]


@pytest.mark.parametrize("loss", ["suspended", "unverified"])
def test_a_project_admin_who_lost_standing_loses_the_admin_pages_and_api(project, cohort, loss):
    physician = PhysicianFactory(user__username="ada@rounds.test", specialties=["cardiology"])
    join(cohort, physician)
    project.admins.add(physician.user)
    client = Client()
    client.force_login(physician.user)
    assert client.get("/console/projects/").status_code == 200
    LOSSES[loss](physician)
    assert client.get("/console/projects/").status_code == 403
    assert client.get(f"/projects/{project.slug}/agreement/").status_code == 403
    assert client.get(f"/api/projects/{project.slug}/agreement/reports/").status_code == 403
    assert client.get("/api/exports/").status_code == 403
    assert client.post(f"/api/projects/{project.slug}/agreement/").status_code == 403


def test_a_suspended_staff_physician_loses_the_staff_pages(cohort):
    physician = PhysicianFactory(user__username="sam@rounds.test", user__is_staff=True)
    client = Client()
    client.force_login(physician.user)
    assert client.get("/console/physicians/").status_code == 200
    suspend(physician)
    assert client.get("/console/physicians/").status_code == 403
    assert client.get("/exports/").status_code == 403
