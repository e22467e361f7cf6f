"""The comparison door of the reviewer API."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from curation.intake.services import samples_import
from curation.models import Comparison

from .conftest import comparison_record


@pytest.fixture
def api(comparison_project, admin, cardiologist):
    samples_import(project=comparison_project, source=[comparison_record("c1", 3)], actor=admin)
    client = APIClient()
    client.force_authenticate(cardiologist.user)
    lease = client.post(f"/api/projects/{comparison_project.slug}/next/").json()
    return client, lease["id"]


def test_api_shows_letters_not_models_and_takes_a_judgment(api, cardiologist):
    client, pk = api
    shown = client.get(f"/api/assignments/{pk}/comparison/").json()
    assert [r["label"] for r in shown["responses"]] == ["A", "B", "C"]
    assert "model-" not in str(shown)
    answer = client.post(
        f"/api/assignments/{pk}/comparison/",
        {"preferred": "B", "axes": {"accuracy": "A", "safety": "tie"}, "ranking": ["B", "A", "C"]},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    judgment = Comparison.objects.get()
    order = judgment.display_order
    assert judgment.preferred == order[1]
    assert judgment.axes == {"accuracy": order[0], "safety": "tie"}
    assert judgment.ranking == [order[1], order[0], order[2]]
    again = client.post(
        f"/api/assignments/{pk}/comparison/",
        {"preferred": "B", "axes": {"accuracy": "A", "safety": "tie"}, "ranking": ["B", "A", "C"]},
        format="json",
    )
    assert again.status_code == 200


def test_api_names_a_wrong_letter_and_missing_axes(api):
    client, pk = api
    answer = client.post(f"/api/assignments/{pk}/comparison/", {"preferred": "E"}, format="json")
    assert answer.status_code == 400
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {"preferred", "axes.accuracy", "axes.safety"}
    assert "r1" not in str(answer.json())  # response ids never reach the physician


def test_another_physician_gets_404(api, second_cardiologist):
    _, pk = api
    other = APIClient()
    other.force_authenticate(second_cardiologist.user)
    assert other.get(f"/api/assignments/{pk}/comparison/").status_code == 404
    assert (
        other.post(
            f"/api/assignments/{pk}/comparison/", {"preferred": "A"}, format="json"
        ).status_code
        == 404
    )
