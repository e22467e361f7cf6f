"""A transactional outbox between the database and the Celery broker.

A request that needs a job calls `enqueue(task, *args, **kwargs)` inside its transaction: the
message is a row committed together with the change that needs it (an export, an agreement
request), so neither exists without the other. Once the transaction commits, the row is published
at once; a dead broker fails that publish within about a second (no retries, short connect
timeout) and the request carries on. `outbox_flush` (beat every 30 s, and the `flush_outbox`
command) publishes whatever is still pending once the broker answers again.

The row id is the Celery task id. A row can be published twice (the broker took the message but
the database did not hear back); every task queued this way is idempotent, so the second copy is a
no-op. Jobs never run inside the web request.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .audit import audit_record
from .models import OutboxMessage

log = logging.getLogger(__name__)

# A message younger than this is left to the commit hook that is publishing it right now.
FLUSH_GRACE = dt.timedelta(seconds=settings.OUTBOX_FLUSH_GRACE_SECONDS)
FLUSH_BATCH = 500
SENT_KEPT = dt.timedelta(days=settings.OUTBOX_KEEP_SENT_DAYS)


def _task_name(task: Any) -> str:
    name = task if isinstance(task, str) else getattr(task, "name", None)
    if not name:
        raise TypeError(f"enqueue() needs a Celery task or a task name, not {task!r}")
    return name


def enqueue(task: Any, *args: Any, **kwargs: Any) -> OutboxMessage:
    """Record a job in the caller's transaction and publish it once that transaction commits.

    `task` is a Celery task or its registered name; args and kwargs must be JSON values (ids,
    not model instances). Outside a transaction the row commits at once and is published at once.
    """
    message = OutboxMessage.objects.create(task=_task_name(task), args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: outbox_publish(message_id=message.pk), robust=True)
    return message


def _send(message: OutboxMessage) -> None:
    from celery import current_app

    current_app.send_task(
        message.task,
        args=message.args,
        kwargs=message.kwargs,
        task_id=message.task_id,
        retry=False,  # a dead broker fails this call at once; the flush publishes it later
    )


def _publish_locked(message: OutboxMessage) -> bool:
    """Publish one row the caller holds locked; record the outcome on the row."""
    try:
        _send(message)
    except Exception as exc:  # any broker or network failure: the row stays pending
        error = f"{type(exc).__name__}: {exc}"[:2000]
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=F("attempts") + 1, last_error=error
        )
        log.warning("outbox: %s #%s not published yet: %s", message.task, message.pk, error)
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(
        sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
    )
    return True


def outbox_publish(*, message_id: int) -> bool:
    """Publish one pending message now; False when the broker refused (the flush retries)."""
    try:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=message_id, sent_at__isnull=True)
                .first()
            )
            if message is None:
                return False  # already sent, or a flush holds it right now
            return _publish_locked(message)
    except Exception:
        # A commit hook must never turn a committed request into an error page; the flush will
        # find the row still pending.
        log.exception("outbox: publishing #%s failed", message_id)
        return False


def outbox_flush(*, grace: dt.timedelta = FLUSH_GRACE) -> dict:
    """Publish every pending message older than `grace`; stop at the first broker failure.

    Rows are taken with SKIP LOCKED, so two flushes (beat and the command) never publish the same
    row at once. Sent rows older than a week are pruned. Returns counts for logs and the command.
    """
    cutoff = timezone.now() - grace
    sent = failed = 0
    while True:
        with transaction.atomic():
            batch = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True, created_at__lte=cutoff)
                .order_by("created_at", "id")[:FLUSH_BATCH]
            )
            if not batch:
                break
            for message in batch:
                if _publish_locked(message):
                    sent += 1
                else:
                    failed += 1
                    break
        if failed:
            break
    pending = OutboxMessage.objects.filter(sent_at__isnull=True).count()
    pruned, _ = OutboxMessage.objects.filter(sent_at__lt=timezone.now() - SENT_KEPT).delete()
    if sent or failed:
        log.info("outbox flush: %s published, %s still pending", sent, pending)
    if sent:
        audit_record(
            actor=None,
            action="outbox.flush",
            object_type="core.outboxmessage",
            object_repr=f"{sent} delayed job(s) published",
            after={"published": sent, "pending": pending},
        )
    return {"published": sent, "pending": pending, "broker_down": bool(failed), "pruned": pruned}
