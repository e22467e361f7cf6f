"""A Celery worker killed with SIGKILL in the middle of the agreement job.

The job is stopped at a known point: the test holds a lock on the samples table, so the job
computes everything and then blocks inside its one write transaction, with the consensus rows of
this run already written there (uncommitted). The whole worker process group is killed right there.
Nothing of the run may be visible; the same message is handed out again (late acknowledgement)
to the next worker, which finishes with the report a clean run produces.

The export build killed halfway is tests/exports/test_worker.py
(`test_a_build_killed_halfway_leaves_no_file_and_the_retry_finishes`).
"""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connection, transaction

from curation.agreement.services import agreement_compute, agreement_request
from curation.models import AgreementReport, ConsensusLabel, Sample
from tests.factories import PhysicianFactory, SampleFactory, join
from tests.faults.helpers import (
    GRADES,
    backend_alive,
    backends_waiting_on_locks,
    locks_held,
    review,
    wait_for,
)
from tests.services import database_url

pytestmark = [pytest.mark.faults, pytest.mark.celery]

VISIBILITY_TIMEOUT = 3  # seconds before a dead worker's unacknowledged job is handed out again


@pytest.fixture
def redelivery_soon(monkeypatch):
    """Workers started by this test hand a dead worker's job out after 3 s, not an hour."""
    monkeypatch.setenv("CELERY_VISIBILITY_TIMEOUT", str(VISIBILITY_TIMEOUT))


@pytest.fixture
def worker(committed, redelivery_soon, celery_worker):
    return celery_worker


def panel_reviews(project, cohort, n: int = 30) -> list[Sample]:
    """n samples, three physicians each, agreeing mostly and disagreeing in a known pattern."""
    panel = [
        PhysicianFactory(user__username=f"panel{i}@rounds.test", specialties=["cardiology"])
        for i in range(3)
    ]
    for physician in panel:
        join(cohort, physician)
    samples = []
    for i in range(n):
        sample = SampleFactory(project=project)
        for j, physician in enumerate(panel):
            grades = dict(GRADES, completeness=1 + (i + (j == 2 and i % 3 == 0)) % 5)
            if j == 1 and i % 4 == 0:
                grades["accurate"] = False
            if j == 2 and i % 5 == 0:
                grades["urgency"] = "urgent"
            verdict = "revise" if (j == 0 and i % 6 == 0) else "accept"
            review(sample, physician.user, grades, verdict)
        samples.append(sample)
    return samples


def outcome(project) -> dict:
    """Everything a run decides, without ids or timings that differ between two runs."""
    report = AgreementReport.objects.filter(project=project, status="done").get()
    inputs = dict(report.inputs)
    inputs.pop("seconds", None)  # how long each phase took: differs from run to run
    return {
        "inputs": inputs,
        "figures": report.figures,
        "physicians": report.physicians,
        "model_graders": report.model_graders,
        "settled": report.settled,
        "sent_to_adjudication": report.sent_to_adjudication,
        "consensus": sorted(
            ConsensusLabel.objects.filter(project=project).values_list(
                "sample_id",
                "grades",
                "confidence",
                "verdict",
                "verdict_confidence",
                "min_confidence",
                "n_reviews",
                "answer_from_id",
            )
        ),
        "statuses": dict(Sample.objects.filter(project=project).values_list("id", "status")),
    }


def clean_run(project) -> dict:
    """The report an undisturbed run produces, computed here and rolled back."""
    with transaction.atomic():
        agreement_compute(project=project)
        expected = outcome(project)
        transaction.set_rollback(True)
    assert not AgreementReport.objects.filter(project=project).exists()
    return expected


def test_agreement_job_killed_mid_write_is_redelivered_and_matches_a_clean_run(
    worker, project, cohort, admin
):
    samples = panel_reviews(project, cohort)
    expected = clean_run(project)
    assert expected["settled"] + expected["sent_to_adjudication"] == len(samples)
    assert expected["sent_to_adjudication"] > 0  # the pattern leaves some disagreement

    # Hold the job at its final write: updates of the samples table wait for this lock.
    blocker = psycopg.connect(database_url(connection.settings_dict), autocommit=False)
    try:
        blocker.execute("LOCK TABLE curation_sample IN EXCLUSIVE MODE")
        agreement_request(project=project, actor=admin)
        waiting = wait_for(backends_waiting_on_locks, timeout=60, what="the job to block")
        job_pid = waiting[0][0]
        # The job has already written this run's consensus in its open write transaction.
        assert "RowExclusiveLock" in locks_held(job_pid, "curation_consensuslabel")
        running = AgreementReport.objects.get(project=project)
        assert running.status == "running"
        delivered_at = time.monotonic()

        worker.kill()  # SIGKILL, whole process group, inside the job's write transaction

        # Nothing of the run is visible: no consensus, no settled sample, the report not done.
        assert not ConsensusLabel.objects.filter(project=project).exists()
        assert set(Sample.objects.filter(project=project).values_list("status", flat=True)) == {
            "complete"
        }
    finally:
        blocker.rollback()
        blocker.close()
    # The dead worker's database session notices it has no client once it can move, and rolls
    # back; it must be gone before the job runs again (it holds the project's run lock).
    wait_for(lambda: not backend_alive(job_pid), timeout=30, what="the orphaned session to end")
    assert not ConsensusLabel.objects.filter(project=project).exists()
    assert AgreementReport.objects.get(pk=running.pk).status == "running"

    time.sleep(max(0.0, VISIBILITY_TIMEOUT + 0.5 - (time.monotonic() - delivered_at)))
    worker.start()  # a new worker restores the unacknowledged message and runs it
    wait_for(
        lambda: AgreementReport.objects.filter(project=project, status="done").exists(),
        timeout=120,
        interval=0.2,
        what=f"the redelivered run; worker log:\n{worker.log()[-3000:]}",
    )

    assert outcome(project) == expected
    interrupted = AgreementReport.objects.get(pk=running.pk)
    assert interrupted.status == "failed"
    assert interrupted.error == "Interrupted: the run stopped before finishing."
    assert AgreementReport.objects.filter(project=project).count() == 2
    second_log = (worker.log_dir / "worker-2.log").read_text()
    first_log = (worker.log_dir / "worker-1.log").read_text()
    task_id = f"outbox-{project_outbox_id(project)}"
    assert task_id in first_log and task_id in second_log  # the same message, delivered twice


def project_outbox_id(project) -> int:
    from core.models import OutboxMessage

    return (
        OutboxMessage.objects.filter(task="curation.compute_agreement", args__0=project.pk)
        .values_list("pk", flat=True)
        .get()
    )
