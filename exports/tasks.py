"""Celery wrappers: ids in, a service call inside."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import InterfaceError, OperationalError

BUILD_TIME_LIMIT = 6 * 3600


@shared_task(
    name="exports.build",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=BUILD_TIME_LIMIT,
    time_limit=BUILD_TIME_LIMIT + 120,
)
def export_build_task(self, export_id: int, stale_after_seconds: int | None = None) -> str:
    from .services import HEARTBEAT_STALE, export_build

    stale_after = (
        dt.timedelta(seconds=stale_after_seconds)
        if stale_after_seconds is not None
        else HEARTBEAT_STALE
    )
    return export_build(export_id=export_id, stale_after=stale_after).status


@shared_task(
    name="exports.recover_stalled",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=60,
    time_limit=90,
)
def exports_recover_stalled_task() -> list[int]:
    from .services import exports_recover_stalled

    return exports_recover_stalled()
