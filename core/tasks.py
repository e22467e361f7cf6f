"""Celery tasks of the core app: thin wrappers around core services."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    name="core.outbox_flush",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=120,
    time_limit=150,
    ignore_result=True,
)
def outbox_flush_task() -> dict:
    """The beat entry: publish jobs that could not be queued while the broker was down."""
    from .outbox import outbox_flush

    return outbox_flush()
