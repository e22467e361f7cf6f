"""Blindness reaches exports: someone who reviews cannot read unsettled reviews through one.

An export with `settled_only: false` carries consensus and corrections of samples still being
reviewed; a project admin or staff member who also reviews would read the others' work there.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from exports.models import Export
from exports.services import pipeline_token_create

UNSETTLED = {"project": "chest-pain", "format": "graded", "filters": {"settled_only": False}}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def admin_reviewer(curated, cardiologist):
    curated.project.admins.add(cardiologist.user)
    return cardiologist.user


def test_a_project_admin_who_reviews_cannot_export_unsettled_samples(admin_reviewer):
    response = api(admin_reviewer).post("/api/exports/", UNSETTLED, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["errors"][0]["field"] == "filters.settled_only"
    assert "settled" in response.json()["detail"]
    assert not Export.objects.exists()


def test_a_project_admin_who_reviews_still_exports_settled_samples(admin_reviewer):
    settled = {**UNSETTLED, "filters": {"settled_only": True}}
    assert api(admin_reviewer).post("/api/exports/", settled, format="json").status_code == 202


def test_staff_who_review_are_held_to_it_too(curated, lead):
    lead.user.is_staff = True
    lead.user.save(update_fields=["is_staff"])
    assert api(lead.user).post("/api/exports/", UNSETTLED, format="json").status_code == 403


def test_administrators_who_do_not_review_and_pipelines_may(curated, admin):
    assert api(admin).post("/api/exports/", UNSETTLED, format="json").status_code == 202
    _, key = pipeline_token_create(name="trainer", projects=[curated.project], actor=admin)
    pipeline = APIClient()
    pipeline.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert pipeline.post("/api/exports/", UNSETTLED, format="json").status_code == 202
