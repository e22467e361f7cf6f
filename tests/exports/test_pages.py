"""Staff pages: create an export, watch its progress, download it, read its card; token admin."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from exports.models import Export, PipelineToken
from exports.services import export_build


@pytest.fixture
def staff_client(admin):
    client = Client()
    client.force_login(admin)
    return client


def test_staff_create_an_export_watch_it_and_read_its_card(curated, staff_client):
    response = staff_client.post(
        "/exports/",
        {
            "project": "chest-pain",
            "format": "sft",
            "file_format": "jsonl",
            "gold": "exclude",
            "verdicts": ["accept", "revise"],
            "validation": "",
            "seed": "0",
        },
    )
    export = Export.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{export.pk}/"
    assert export.spec["filters"]["verdicts"] == ["accept", "revise"]
    page = staff_client.get(f"/exports/{export.pk}/").content.decode()
    assert 'id="export-progress"' in page and "exports/progress.js" in page
    assert staff_client.get(f"/exports/{export.pk}/progress/").json()["status"] == "queued"

    export_build(export_id=export.pk)
    assert staff_client.get(f"/exports/{export.pk}/progress/").json() == {
        "status": "done",
        "rows": 4,
        "total": 4,
        "percent": 100,
        "error": "",
    }
    page = staff_client.get(f"/exports/{export.pk}/").content.decode()
    assert "Rows per specialty" in page and "<table>" in page
    assert f"/api/exports/{export.pk}/download/?split=train" in page
    download = staff_client.get(f"/api/exports/{export.pk}/download/?split=train")
    assert download.status_code == 200
    assert "exports/progress.js" not in page


def test_an_invalid_form_says_what_is_wrong(curated, staff_client):
    response = staff_client.post(
        "/exports/",
        {
            "project": "chest-pain",
            "format": "sft",
            "file_format": "jsonl",
            "gold": "exclude",
            "min_confidence": "3",
        },
    )
    assert response.status_code == 200
    assert "less than or equal to 1" in response.content.decode()
    assert not Export.objects.exists()


def test_export_pages_are_for_staff_only(curated, cardiologist):
    client = Client()
    client.force_login(cardiologist.user)
    assert client.get("/exports/").status_code == 403  # signed in, but not an admin
    anonymous = Client().get("/exports/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_admin_creates_a_token_shows_its_key_once_and_revokes_it(curated, staff_client):
    response = staff_client.post(
        "/admin/exports/pipelinetoken/add/",
        {"name": "nightly trainer", "projects": [curated.project.pk]},
        follow=True,
    )
    token = PipelineToken.objects.get()
    text = response.content.decode()
    key = re.search(r"(rpl_[A-Za-z0-9_\-]+)", text).group(1)
    assert token.key_hash != key and key not in str(token.__dict__)
    assert list(token.projects.all()) == [curated.project]
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/exports/").status_code == 200
    staff_client.post(
        "/admin/exports/pipelinetoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert api.get("/api/exports/").status_code == 401
