"""The transactional outbox: jobs leave with the change that needs them, or wait for the broker."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from core.models import AuditEvent, OutboxMessage
from core.outbox import enqueue, outbox_flush, outbox_publish
from tests.faults.broker import private_broker  # noqa: F401

pytestmark = pytest.mark.django_db


def age(message: OutboxMessage, seconds: int = 60) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=seconds)
    )


def test_a_committed_job_is_published_with_its_row_id_as_task_id(
    private_broker,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = enqueue("curation.compute_agreement", 7, None)
        assert private_broker.queued_task_ids() == []  # nothing leaves before the commit

    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 1 and message.last_error == ""
    assert private_broker.queued_task_ids() == [f"outbox-{message.pk}"]


def test_a_job_of_a_rolled_back_transaction_is_never_written_or_published(
    private_broker,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with (
        django_capture_on_commit_callbacks(execute=True) as hooks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue("exports.build", 1)
        raise RuntimeError("the service failed after queueing")

    assert hooks == []
    assert not OutboxMessage.objects.exists()
    assert private_broker.queued_task_ids() == []


def test_a_dead_broker_leaves_the_job_pending_within_two_seconds(
    private_broker,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    private_broker.stop()
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = enqueue("exports.build", 42, stale_after_seconds=None)
    elapsed = time.monotonic() - started

    assert elapsed < 2.5, f"the commit hook waited {elapsed:.1f} s on a dead broker"
    message.refresh_from_db()
    assert message.sent_at is None and message.attempts == 1
    assert "connecting to 127.0.0.1" in message.last_error  # says why, for the admin


def test_the_flush_publishes_what_waited_for_the_broker_once(private_broker):  # noqa: F811
    private_broker.stop()
    waiting = [enqueue("exports.build", n) for n in (1, 2, 3)]
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 3
    for message in waiting:
        age(message)

    down = outbox_flush()
    assert down == {"published": 0, "pending": 3, "broker_down": True, "pruned": 0}

    private_broker.start()
    assert outbox_flush()["published"] == 3
    assert outbox_flush()["published"] == 0  # a second flush sends nothing again
    assert private_broker.queued_task_ids() == [f"outbox-{m.pk}" for m in waiting]
    event = AuditEvent.objects.get(action="outbox.flush")
    assert event.after == {"published": 3, "pending": 0}


def test_the_flush_leaves_a_fresh_message_to_its_commit_hook(private_broker):  # noqa: F811
    private_broker.stop()
    message = enqueue("exports.build", 1)
    private_broker.start()

    assert outbox_flush()["published"] == 0  # younger than the grace period
    assert outbox_flush(grace=dt.timedelta(0))["published"] == 1
    message.refresh_from_db()
    assert message.sent_at is not None


def test_publishing_a_sent_message_again_is_a_no_op(
    private_broker,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue("exports.build", 1)
    assert private_broker.queued_task_ids() == [message.task_id]

    assert outbox_publish(message_id=message.pk) is False
    assert private_broker.queued_task_ids() == [message.task_id]


def test_sent_messages_older_than_a_week_are_pruned(private_broker):  # noqa: F811
    old = enqueue("exports.build", 1)
    recent = enqueue("exports.build", 2)
    OutboxMessage.objects.filter(pk=old.pk).update(sent_at=timezone.now() - dt.timedelta(days=8))

    assert outbox_flush()["pruned"] == 1
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [recent.pk]


def test_flush_outbox_command_reports_counts_and_fails_while_the_broker_is_down(
    private_broker,  # noqa: F811
    capsys,
):
    private_broker.stop()
    enqueue("exports.build", 1)

    with pytest.raises(CommandError, match="the broker refused; 1 message"):
        call_command("flush_outbox", "--all")

    private_broker.start()
    call_command("flush_outbox", "--all")
    assert "published 1, pending 0" in capsys.readouterr().out


def test_enqueue_refuses_something_that_is_not_a_task():
    with pytest.raises(TypeError, match="needs a Celery task or a task name"):
        enqueue(object())
