"""Celery tasks of the curation app: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from .tasks_agreement import *  # noqa: F401,F403
from .tasks_labelstudio import *  # noqa: F401,F403


@shared_task(
    name="curation.expire_leases",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=50,
    time_limit=60,
    ignore_result=True,
)
def expire_leases() -> int:
    """The beat sweep: leases past their time go back to the pool (each one once)."""
    from .services.assignment import assignments_expire

    return assignments_expire()
