"""Model grader tokens: `Authorization: Bearer rgt_...` posts a registered grader's grades.

Only the key's hash is stored; the key is shown once. A token is accepted only by the views that
list `GraderTokenAuthentication` (the criterion grades endpoint), for the projects it names.
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.permissions import BasePermission

from core.audit import audit_record
from core.errors import DomainError
from curation.models import ModelGrader, ModelGraderToken, Project

TOKEN_PREFIX = "rgt_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def grader_token_create(
    *, grader: ModelGrader, projects: list[Project], actor
) -> tuple[ModelGraderToken, str]:
    """A new token for `grader` on `projects`; returns it and its key, never shown again."""
    if not projects:
        raise DomainError("must name at least one project", field="projects")
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ModelGraderToken.objects.create(
        grader=grader, prefix=key[:12], key_hash=_hash(key), created_by=actor
    )
    token.projects.set(projects)
    audit_record(
        actor=actor,
        action="grader_token.create",
        obj=token,
        after={"grader": str(grader), "projects": sorted(p.slug for p in projects)},
    )
    return token, key


def grader_token_authenticate(key: str) -> ModelGraderToken | None:
    if not key.startswith(TOKEN_PREFIX):
        return None
    return (
        ModelGraderToken.objects.select_related("grader")
        .filter(key_hash=_hash(key), revoked_at__isnull=True, grader__is_active=True)
        .first()
    )


class GraderTokenAuthentication(authentication.BaseAuthentication):
    """A model grader's token: an anonymous user with the token as `request.auth`."""

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if len(header) != 2 or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        key = header[1].decode(errors="replace")
        if not key.startswith(TOKEN_PREFIX):
            return None
        token = grader_token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked model grader token.")
        return AnonymousUser(), token

    def authenticate_header(self, request) -> str:
        return "Bearer"


def token_of(request) -> ModelGraderToken | None:
    return request.auth if isinstance(request.auth, ModelGraderToken) else None


class IsGraderTokenOrPhysician(BasePermission):
    """A model grader's live token, or a signed-in user (the view checks they are a physician
    of the project)."""

    message = "Criterion grades are posted by a model grader's token or a physician."

    def has_permission(self, request, view) -> bool:
        if token_of(request) is not None:
            return True
        return bool(request.user and request.user.is_authenticated)


class GraderTokenScheme(OpenApiAuthenticationExtension):
    target_class = "curation.criteria.tokens.GraderTokenAuthentication"
    name = "ModelGraderToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A model grader's token (rgt_…); posts criterion grades only.",
        }
