"""Celery tasks of the reviewer workflow: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task


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
    from curation.reviewing.assignment import assignments_expire

    return assignments_expire()
