"""An agreement run whose worker is SIGKILLed finishes by itself: heartbeat, sweep, a fresh run.

The broker's visibility timeout stays at an hour here, so the dead worker's message coming back
is not what finishes the run: the sweep (beat, inside the worker) is. Only this test's own
worker process is killed; PostgreSQL and Redis are left alone.
"""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connection

from core.models import OutboxMessage
from curation.agreement.services import agreement_request
from curation.agreement.sweep import INTERRUPTED
from curation.models import AgreementReport, Sample
from tests.factories import PhysicianFactory, SampleFactory, join
from tests.faults.helpers import GRADES, backend_alive, backends_waiting_on_locks, review, wait_for
from tests.services import CeleryWorker, database_url

pytestmark = [pytest.mark.faults, pytest.mark.celery]

STALE = 3  # seconds without a heartbeat before the sweep calls a run dead


@pytest.fixture
def worker(committed, celery_worker, tmp_path):
    """A worker with beat inside, fast heartbeats and sweeps, and an hour of visibility timeout."""
    celery_worker.stop()
    env = dict(
        celery_worker.env,
        CELERY_VISIBILITY_TIMEOUT="3600",
        AGREEMENT_HEARTBEAT_SECONDS="0.5",
        AGREEMENT_HEARTBEAT_STALE_SECONDS=str(STALE),
        AGREEMENT_SWEEP_EVERY_SECONDS="1",
    )
    schedule = tmp_path / "beat-schedule"
    with_beat = CeleryWorker(env, celery_worker.log_dir, extra=("--beat", f"--schedule={schedule}"))
    with_beat.starts = celery_worker.starts
    with_beat.start(concurrency=2)
    yield with_beat
    with_beat.stop()


def reviewed_samples(project, cohort, n: int = 20) -> None:
    panel = [
        PhysicianFactory(user__username=f"rec{i}@rounds.test", specialties=["cardiology"])
        for i in range(3)
    ]
    for physician in panel:
        join(cohort, physician)
    for i in range(n):
        sample = SampleFactory(project=project)
        for j, physician in enumerate(panel):
            grades = dict(GRADES, completeness=1 + (i + (j == 2 and i % 3 == 0)) % 5)
            review(sample, physician.user, grades)


def test_agreement_run_whose_worker_is_killed_finishes_by_itself(worker, project, cohort, admin):
    reviewed_samples(project, cohort)
    blocker = psycopg.connect(database_url(connection.settings_dict), autocommit=False)
    try:
        # Hold the run at its read: the reviews table is locked, the report already exists.
        blocker.execute("LOCK TABLE curation_review IN ACCESS EXCLUSIVE MODE")
        agreement_request(project=project, actor=admin)
        waiting = wait_for(backends_waiting_on_locks, timeout=60, what="the run to block")
        job_pid = waiting[0][0]
        running = AgreementReport.objects.get(project=project)
        assert running.status == "running"
        first_beat = running.heartbeat_at

        # Alive but slow: the heartbeat moves on and the sweep leaves the run alone.
        time.sleep(STALE + 2)
        running.refresh_from_db()
        assert running.status == "running"
        assert running.heartbeat_at > first_beat
        assert AgreementReport.objects.filter(project=project).count() == 1

        worker.kill()  # SIGKILL, the whole process group, beat included
        killed_at = time.monotonic()
    finally:
        blocker.rollback()
        blocker.close()
    wait_for(lambda: not backend_alive(job_pid), timeout=30, what="the orphaned session to end")
    assert AgreementReport.objects.get(pk=running.pk).status == "running"  # left behind

    worker.start(concurrency=2)  # any worker: the one restarted by the supervisor
    done = wait_for(
        lambda: AgreementReport.objects.filter(project=project, status="done").first(),
        timeout=120,
        interval=0.2,
        what=f"the recovered run; worker log:\n{worker.log()[-3000:]}",
    )
    assert time.monotonic() - killed_at < 300  # within five minutes, with minutes to spare
    interrupted = AgreementReport.objects.get(pk=running.pk)
    assert interrupted.status == "failed" and interrupted.error == INTERRUPTED
    assert done.pk != running.pk and done.settled + done.sent_to_adjudication == 20
    assert not Sample.objects.filter(project=project, status="complete").exists()
    # A second message queued by the sweep ran, not the dead worker's (its timeout is an hour).
    messages = list(OutboxMessage.objects.filter(task="curation.compute_agreement").order_by("pk"))
    assert len(messages) == 2
    second_log = (worker.log_dir / f"worker-{worker.starts}.log").read_text()
    assert messages[1].task_id in second_log
    assert messages[0].task_id not in second_log
