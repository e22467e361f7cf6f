"""Personal API tokens: who a key signs in as, when it stops working, and its last use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import ApiToken
from core.tokens import api_token_create, api_token_revoke
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _get(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client.get("/api/projects/").status_code


def test_a_key_signs_in_as_its_owner_and_nobody_else():
    owner = UserFactory(is_staff=True)
    token, key = api_token_create(user=owner, name="notebook")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = client.get("/api/projects/")
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == owner.pk
    assert response.wsgi_request.auth.pk == token.pk
    assert _get(key[:-1] + ("A" if key[-1] != "A" else "B")) == 401


def test_revoked_keys_and_deactivated_owners_are_refused():
    revoked_owner, idle_owner = UserFactory(is_staff=True), UserFactory(is_staff=True)
    revoked, revoked_key = api_token_create(user=revoked_owner, name="old")
    _, idle_key = api_token_create(user=idle_owner, name="ci")
    api_token_revoke(token=revoked, actor=revoked_owner)
    idle_owner.is_active = False
    idle_owner.save(update_fields=["is_active"])
    assert _get(revoked_key) == 401
    assert _get(idle_key) == 401


def test_last_use_is_stamped_at_most_every_five_minutes():
    token, key = api_token_create(user=UserFactory(is_staff=True), name="ci")
    assert token.last_used_at is None
    assert _get(key) == 200
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None and first <= timezone.now()

    assert _get(key) == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first  # no write per request

    two_minutes_ago = timezone.now() - timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=two_minutes_ago)
    assert _get(key) == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at == two_minutes_ago

    six_minutes_ago = timezone.now() - timedelta(minutes=6)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=six_minutes_ago)
    assert _get(key) == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at > six_minutes_ago


def test_an_expiry_in_the_past_is_refused_and_a_passed_expiry_stops_the_key():
    from core.errors import DomainError

    owner = UserFactory(is_staff=True)
    with pytest.raises(DomainError) as caught:
        api_token_create(user=owner, name="ci", expires_at=timezone.now() - timedelta(seconds=1))
    assert caught.value.details[0].field == "expires_at"
    token, key = api_token_create(
        user=owner, name="ci", expires_at=timezone.now() + timedelta(days=1)
    )
    assert _get(key) == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert _get(key) == 401
