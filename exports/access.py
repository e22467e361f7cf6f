"""Who may use exports, and which projects' exports each caller sees, defined once.

Callers are people (Rounds admins, project admins in good standing) or pipeline tokens (scoped to
their projects, until revoked). The permission classes, the pages' guards, the selectors and the
token service call these.
"""

from __future__ import annotations

from django.db.models import QuerySet

from annotators.access import is_admin
from annotators.models import Physician
from curation.access import administered_projects, administers_any
from curation.models import Project

from .models import PipelineToken


def projects_for_actor(*, user, token: PipelineToken | None) -> QuerySet[Project]:
    """Projects whose exports the caller may list, create and download."""
    if token is not None:
        return token.projects.all() if token.revoked_at is None else Project.objects.none()
    return administered_projects(user)


def can_use_exports(*, user, token: PipelineToken | None) -> bool:
    """Staff, project administrators (for their projects) and live pipeline tokens (for theirs).

    Which exports each of them sees is `projects_for_actor`'s job; this says who may knock."""
    if token is not None:
        return token.revoked_at is None
    return administers_any(user)


def unsettled_refusal(*, user, token: PipelineToken | None) -> str | None:
    """Why this caller may not export samples that are not settled yet; None when they may.

    Such an export carries consensus and corrections of samples still being reviewed, so a person
    who reviews (whatever their admin role) would read the others' work: blindness holds.
    Pipelines and administrators who do not review may."""
    if token is not None:
        return None
    if Physician.objects.filter(user_id=user.pk, is_model=False).exists():
        return (
            "You review on Rounds, so your exports read settled samples only: "
            "set settled_only to true."
        )
    return None


def may_manage_pipeline_tokens(user) -> bool:
    return is_admin(user)
