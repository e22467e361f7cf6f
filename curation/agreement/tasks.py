"""Celery tasks of the agreement job: ids in, the service does the work."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

log = logging.getLogger(__name__)

__all__ = [
    "agreement_recover_stalled",
    "compute_agreement",
    "compute_agreement_for_active_projects",
]


@shared_task(
    name="curation.compute_agreement",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=55 * 60,
    time_limit=60 * 60,
    ignore_result=True,
)
def compute_agreement(project_id: int, actor_id: int | None = None) -> int | None:
    """Compute one project's agreement report; a run already in progress makes this a no-op."""
    from django.contrib.auth import get_user_model

    from core.errors import Conflict
    from curation.agreement.services import agreement_compute
    from curation.models import Project

    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        log.warning("compute_agreement: project %s no longer exists", project_id)
        return None
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        return agreement_compute(project=project, actor=actor).pk
    except Conflict as exc:
        log.info("compute_agreement: %s", exc)
        return None


@shared_task(
    name="curation.compute_agreement_for_active_projects",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
)
def compute_agreement_for_active_projects() -> int:
    """The beat entry: queue one run per active project that has reviews."""
    from curation.models import Project

    ids = list(
        Project.objects.filter(status=Project.Status.ACTIVE, reviews__isnull=False)
        .distinct()
        .values_list("pk", flat=True)
    )
    for pk in ids:
        compute_agreement.delay(pk)
    return len(ids)


@shared_task(
    name="curation.agreement_recover_stalled",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
)
def agreement_recover_stalled() -> list[int]:
    """The beat sweep: runs whose worker died are marked interrupted and queued again."""
    from curation.agreement.sweep import agreement_recover_stalled as sweep

    return sweep()
