"""API tokens in the console: anyone's own personal tokens, and staff's pipeline tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import ApiToken, AuditEvent
from core.tokens import api_token_create
from exports.models import PipelineToken
from exports.services import pipeline_token_create

pytestmark = pytest.mark.django_db


def _status(key: str, url: str = "/api/projects/") -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client.get(url).status_code


def test_a_physician_creates_a_token_sees_the_key_once_and_it_works(client, cardiologist):
    client.force_login(cardiologist.user)
    response = client.post(reverse("my-tokens"), {"name": "evaluation notebook", "expires": "30"})
    assert response.status_code == 200
    key = response.context["created"]["key"]
    assert key.startswith("rnd_") and key in response.content.decode()
    token = ApiToken.objects.get(user=cardiologist.user)
    assert token.name == "evaluation notebook"
    assert token.expires_at - timezone.now() > timedelta(days=29, hours=23)
    assert _status(key) == 200
    again = client.get(reverse("my-tokens")).content.decode()
    assert key not in again and token.prefix in again
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.actor_id == cardiologist.user_id and event.after["name"] == "evaluation notebook"


def test_a_token_needs_a_name(client, cardiologist):
    client.force_login(cardiologist.user)
    response = client.post(reverse("my-tokens"), {"name": " ", "expires": "never"})
    assert response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_an_expired_token_is_refused_and_shown_as_expired(client, cardiologist):
    token, key = api_token_create(user=cardiologist.user, name="ci")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert _status(key) == 401
    client.force_login(cardiologist.user)
    (row,) = client.get(reverse("my-tokens")).context["tokens"]
    assert row.state == "expired"


def test_revoking_stops_the_key_and_someone_elses_token_is_not_found(
    client, cardiologist, second_cardiologist
):
    mine, key = api_token_create(user=cardiologist.user, name="mine")
    theirs, their_key = api_token_create(user=second_cardiologist.user, name="theirs")
    client.force_login(cardiologist.user)
    assert client.post(reverse("my-token-revoke", args=[theirs.pk])).status_code == 404
    assert _status(their_key) == 200
    page = client.get(reverse("my-tokens")).content.decode()
    assert "theirs" not in page
    response = client.post(reverse("my-token-revoke", args=[mine.pk]))
    assert response.status_code == 302
    assert _status(key) == 401
    assert AuditEvent.objects.filter(action="api_token.revoke", object_id=str(mine.pk)).count() == 1


def test_last_use_shows_on_the_page(client, cardiologist):
    _, key = api_token_create(user=cardiologist.user, name="ci")
    client.force_login(cardiologist.user)
    assert "never" in client.get(reverse("my-tokens")).content.decode()
    _status(key)
    (row,) = client.get(reverse("my-tokens")).context["tokens"]
    assert row.last_used_at is not None


def test_staff_create_a_scoped_expiring_pipeline_token(client, admin, project, other_project):
    client.force_login(admin)
    response = client.post(
        reverse("console-pipeline-tokens"),
        {"name": "sft-nightly", "projects": ["chest-pain"], "expires": "90"},
    )
    key = response.context["created"]["key"]
    assert key.startswith("rpl_")
    token = PipelineToken.objects.get(name="sft-nightly")
    assert list(token.projects.values_list("slug", flat=True)) == ["chest-pain"]
    assert token.expires_at > timezone.now() + timedelta(days=89)
    assert _status(key, "/api/exports/?project=chest-pain") == 200


def test_an_expired_pipeline_token_is_refused(admin, project):
    token, key = pipeline_token_create(name="old", projects=[project], actor=admin)
    assert _status(key, "/api/exports/") == 200
    PipelineToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert _status(key, "/api/exports/") == 401


def test_staff_revoke_a_pipeline_token(client, admin, project):
    token, key = pipeline_token_create(name="trainer", projects=[project], actor=admin)
    client.force_login(admin)
    client.post(reverse("console-pipeline-token-revoke", args=[token.pk]))
    assert _status(key, "/api/exports/") == 401
    (row,) = client.get(reverse("console-pipeline-tokens")).context["tokens"]
    assert row.state == "revoked"


@pytest.mark.parametrize("role", ["anonymous", "reviewer", "lead", "project_admin", "staff"])
def test_pipeline_tokens_page_is_for_staff_only(client, role, cardiologist, lead, project_admin):
    users = {
        "reviewer": cardiologist.user,
        "lead": lead.user,
        "project_admin": project_admin,
        "staff": type(project_admin).objects.create(username="s@rounds.test", is_staff=True),
    }
    if role in users:
        client.force_login(users[role])
    status = client.get(reverse("console-pipeline-tokens")).status_code
    assert status == {"anonymous": 302, "staff": 200}.get(role, 403)


@pytest.mark.parametrize("role", ["reviewer", "lead", "project_admin", "staff"])
def test_every_signed_in_user_has_a_token_page(client, role, cardiologist, lead, project_admin):
    users = {
        "reviewer": cardiologist.user,
        "lead": lead.user,
        "project_admin": project_admin,
        "staff": type(project_admin).objects.create(username="s@rounds.test", is_staff=True),
    }
    client.force_login(users[role])
    assert client.get(reverse("my-tokens")).status_code == 200
    assert client.post(reverse("my-tokens"), {"name": role, "expires": "never"}).status_code == 200
    assert ApiToken.objects.get(user=users[role]).name == role
