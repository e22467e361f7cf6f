"""Reads of core's own records that are more than a `get`: a user's personal API tokens."""

from __future__ import annotations

from django.db.models import QuerySet

from .errors import NotFound
from .models import ApiToken


def api_tokens_for_user(user) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first; nobody sees another user's tokens here."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def api_token_for_user(user, token_id: int) -> ApiToken:
    """One of the user's own tokens: the same 404 for missing and someone else's."""
    token = api_tokens_for_user(user).filter(pk=token_id).first()
    if token is None:
        raise NotFound("No such token.")
    return token
