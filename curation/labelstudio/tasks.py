"""Celery tasks of the Label Studio bridge: ids in, the service does the work."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from curation.labelstudio.client import LabelStudioUnavailable

log = logging.getLogger(__name__)

__all__ = ["labelstudio_pull_linked", "labelstudio_pull_project", "labelstudio_push_project"]

POLICY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError, LabelStudioUnavailable),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
    "soft_time_limit": 55 * 60,
    "time_limit": 60 * 60,
    "ignore_result": True,
}


def _project_and_actor(project_id: int, actor_id: int | None):
    from django.contrib.auth import get_user_model

    from curation.models import Project

    project = Project.objects.select_related("rubric").filter(pk=project_id).first()
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return project, actor


@shared_task(name="curation.labelstudio_push", **POLICY)
def labelstudio_push_project(project_id: int, actor_id: int | None = None) -> dict | None:
    """Push one project with its stored URL and token (re-running pushes only new samples)."""
    from core.errors import DomainError
    from curation.labelstudio.services import labelstudio_push

    project, actor = _project_and_actor(project_id, actor_id)
    if project is None:
        log.warning("labelstudio_push: project %s no longer exists", project_id)
        return None
    try:
        return labelstudio_push(project=project, actor=actor).as_dict()
    except LabelStudioUnavailable:
        raise
    except DomainError as exc:
        log.error("labelstudio_push: project %s: %s", project.slug, exc)
        return None


@shared_task(name="curation.labelstudio_pull", **POLICY)
def labelstudio_pull_project(project_id: int, actor_id: int | None = None) -> dict | None:
    """Pull one linked project's annotations; the report lands on the link row too."""
    from core.errors import DomainError
    from curation.labelstudio.services import labelstudio_pull

    project, actor = _project_and_actor(project_id, actor_id)
    if project is None:
        log.warning("labelstudio_pull: project %s no longer exists", project_id)
        return None
    try:
        report = labelstudio_pull(project=project, actor=actor)
    except LabelStudioUnavailable:
        raise
    except DomainError as exc:
        log.error("labelstudio_pull: project %s: %s", project.slug, exc)
        return None
    return {k: v for k, v in report.as_dict().items() if k not in ("rejected",)}


@shared_task(
    name="curation.labelstudio_pull_linked",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
)
def labelstudio_pull_linked() -> int:
    """The beat entry: queue one pull per active project that has been pushed."""
    from curation.models import LabelStudioLink, Project

    ids = list(
        LabelStudioLink.objects.filter(
            ls_project_id__isnull=False, project__status=Project.Status.ACTIVE
        ).values_list("project_id", flat=True)
    )
    for project_id in ids:
        labelstudio_pull_project.delay(project_id)
    return len(ids)
