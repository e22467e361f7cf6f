"""Heavy jobs (agreement, exports, Label Studio) and interactive ones (lease sweeps, outbox) run
on separate queues and workers: a heavy job that runs for long does not delay an interactive one.

Real workers on Redis. The heavy job is an agreement run held at its read by a table lock this
test holds; the interactive job is the lease sweep, which physicians wait on. The last test shows
what the separation prevents: one worker serving both queues leaves the sweep waiting.
"""

from __future__ import annotations

import datetime as dt
import os
import time

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from config.celery import app
from core.outbox import enqueue
from curation.agreement.services import agreement_request
from curation.models import AgreementReport, Assignment
from tests.factories import PhysicianFactory, SampleFactory, join
from tests.faults.helpers import GRADES, backends_waiting_on_locks, review, wait_for
from tests.services import CeleryWorker, database_url

pytestmark = [pytest.mark.celery]

OPERATOR_TOKEN = "operator-test-token-0123456789"


@pytest.fixture
def start_worker(committed, tmp_path, settings):
    """Start workers on the test database, each with its own `celery worker` options."""
    broker = settings.CELERY_BROKER_URL
    redis.Redis.from_url(broker).flushdb()
    env = dict(os.environ)
    env.pop("PYTEST_XDIST_WORKER", None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url(connection.settings_dict),
        CELERY_BROKER_URL=broker,
        STORAGE_ROOT=str(tmp_path / "storage"),
        PYTHONUNBUFFERED="1",
    )
    workers = []

    def start(name: str, *extra: str) -> CeleryWorker:
        log_dir = tmp_path / name
        log_dir.mkdir()
        worker = CeleryWorker(env, log_dir, extra=extra, name=name)
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        worker.stop()


class Hold:
    """A lock on the reviews table: an agreement run started while it is held waits at its read.

    Taken only once the workers are up (a worker starting up reads that table too)."""

    def __init__(self) -> None:
        self.blocker = psycopg.connect(database_url(connection.settings_dict), autocommit=False)

    def take(self) -> None:
        self.blocker.execute("LOCK TABLE curation_review IN ACCESS EXCLUSIVE MODE")

    def release(self) -> None:
        if not self.blocker.closed:
            self.blocker.rollback()
            self.blocker.close()


@pytest.fixture
def heavy_job_held(project, cohort, admin):
    """Reviews for an agreement run, and the lock that holds the run until the test lets go."""
    physicians = [
        PhysicianFactory(user__username=f"q{i}@rounds.test", specialties=["cardiology"])
        for i in range(3)
    ]
    for physician in physicians:
        join(cohort, physician)
    for _ in range(5):
        sample = SampleFactory(project=project)
        for physician in physicians:
            review(sample, physician.user, GRADES)
    hold = Hold()
    yield hold
    hold.release()


def expired_lease(project, cardiologist) -> Assignment:
    now = timezone.now()
    return Assignment.objects.create(
        project=project,
        sample=SampleFactory(project=project),
        reviewer=cardiologist.user,
        served_at=now - dt.timedelta(hours=1),
        expires_at=now - dt.timedelta(minutes=1),
    )


def ran(task: str, worker: CeleryWorker) -> bool:
    """Whether the worker received the task (its banner lists every task name: not that)."""
    return f"Task {task}[" in worker.log()


def lease_status(lease: Assignment) -> str:
    return Assignment.objects.values_list("status", flat=True).get(pk=lease.pk)


def test_tasks_are_routed_by_name():
    route = app.amqp.router.route
    for name in ("curation.compute_agreement", "exports.build", "curation.labelstudio_pull"):
        assert route({}, name)["queue"].name == settings.CELERY_QUEUE_HEAVY
    for name in ("curation.expire_leases", "core.outbox_flush", "exports.recover_stalled"):
        assert route({}, name)["queue"].name == settings.CELERY_QUEUE_INTERACTIVE
    assert route({}, "curation.agreement_recover_stalled")["queue"].name == "interactive"


def test_a_running_heavy_job_does_not_delay_an_interactive_one(
    start_worker, heavy_job_held, project, admin, cardiologist, settings
):
    heavy = start_worker("heavy", "-Q", settings.CELERY_QUEUE_HEAVY)
    interactive = start_worker("interactive", "-Q", settings.CELERY_QUEUE_INTERACTIVE)
    heavy_job_held.take()
    agreement_request(project=project, actor=admin)
    wait_for(backends_waiting_on_locks, timeout=60, what="the agreement run to start and block")
    lease = expired_lease(project, cardiologist)

    queued_at = time.monotonic()
    enqueue("curation.expire_leases")
    wait_for(lambda: lease_status(lease) == "expired", timeout=30, what="the lease sweep")
    waited = time.monotonic() - queued_at
    # Done while the heavy job is still held, however long that is: the queues do not share.
    assert AgreementReport.objects.get(project=project).status == "running"
    assert waited < 20, waited
    assert ran("curation.expire_leases", interactive)
    assert not ran("curation.expire_leases", heavy)
    assert ran("curation.compute_agreement", heavy)
    assert not ran("curation.compute_agreement", interactive)

    # Operators see both: a job in flight on heavy, durations and a failure per task name.
    enqueue("exports.build", 999_999_999)  # no such export: the task fails
    heavy_job_held.release()
    wait_for(
        lambda: AgreementReport.objects.filter(project=project, status="done").exists(),
        timeout=60,
        what="the agreement run",
    )
    settings.METRICS_TOKEN = OPERATOR_TOKEN
    failed = 'rounds_celery_task_failures_total{task="exports.build"} 1.0'
    text = wait_for(lambda: metrics_with(failed), timeout=30, what="the failure to be counted")
    assert 'rounds_celery_task_seconds_count{task="curation.expire_leases"} 1.0' in text
    assert 'rounds_celery_task_seconds_count{task="curation.compute_agreement"} 1.0' in text
    assert 'rounds_celery_task_failures_total{task="curation.expire_leases"} 0.0' in text
    assert 'rounds_celery_queue_length{queue="heavy"} 0.0' in text


def metrics_with(line: str) -> str | None:
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {OPERATOR_TOKEN}")
    assert response.status_code == 200
    text = response.content.decode()
    return text if line in text else None


def test_one_worker_for_both_queues_leaves_the_interactive_job_waiting(
    start_worker, heavy_job_held, project, admin, cardiologist, settings
):
    queues = f"{settings.CELERY_QUEUE_INTERACTIVE},{settings.CELERY_QUEUE_HEAVY}"
    both = start_worker("both", "-Q", queues)
    heavy_job_held.take()
    agreement_request(project=project, actor=admin)
    wait_for(backends_waiting_on_locks, timeout=60, what="the agreement run to start and block")
    lease = expired_lease(project, cardiologist)
    enqueue("curation.expire_leases")
    time.sleep(5)
    assert lease_status(lease) == "leased"  # stuck behind the heavy job
    heavy_job_held.release()
    wait_for(lambda: lease_status(lease) == "expired", timeout=60, what="the lease sweep")
    assert ran("curation.compute_agreement", both) and ran("curation.expire_leases", both)
