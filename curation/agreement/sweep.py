"""Liveness of agreement runs: a heartbeat while a run works, and a sweep for runs that died.

A worker killed in the middle of a run (SIGKILL, a lost host) leaves its report `running`, and
its message comes back only after the broker's visibility timeout (an hour). The run writes
`heartbeat_at` every AGREEMENT_HEARTBEAT_SECONDS from a thread of its own while it works; the
sweep (beat, every minute) takes a report whose heartbeat is older than
AGREEMENT_HEARTBEAT_STALE_SECONDS and whose project's run lock is free (no session is running
it), marks it interrupted and queues a new run. A project whose runs keep dying is given up on
after AGREEMENT_MAX_ATTEMPTS interruptions in a row, so a job that kills its worker is not
retried forever.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Q
from django.utils import timezone

from core.audit import audit_record
from curation.models import AgreementReport

log = logging.getLogger(__name__)

INTERRUPTED = "Interrupted: the run stopped before finishing."
LOCK_NAMESPACE = 0x524E4441  # the agreement job's advisory-lock namespace (services.agreement)


def heartbeat_every() -> float:
    return float(getattr(settings, "AGREEMENT_HEARTBEAT_SECONDS", 15))


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "AGREEMENT_HEARTBEAT_STALE_SECONDS", 90))


class RunHeartbeat:
    """From `start()` to `close()`, a thread stamps the report's `heartbeat_at`.

    The thread has its own database connection, so a beat commits at once whatever the job's
    own connection is doing (a long COPY, an open write transaction). Inside a caller's
    transaction (tests) the row is invisible to other connections, so no thread is started.
    """

    def __init__(self, report_id: int, every: float | None = None) -> None:
        self.report_id = report_id
        self.every = every if every is not None else heartbeat_every()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> RunHeartbeat:
        if not connection.in_atomic_block:
            self.thread = threading.Thread(
                target=self._run, name=f"agreement-heartbeat-{self.report_id}", daemon=True
            )
            self.thread.start()
        return self

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=10)

    def _run(self) -> None:
        conn = connections.create_connection("default")
        try:
            while not self.stop.wait(self.every):
                try:
                    with conn.cursor() as cursor:
                        cursor.execute(
                            "UPDATE curation_agreementreport SET heartbeat_at = %s "
                            "WHERE id = %s AND status = 'running'",
                            [timezone.now(), self.report_id],
                        )
                        if cursor.rowcount == 0:
                            return  # finished or taken over: nothing left to keep alive
                except Exception:
                    log.warning("agreement heartbeat %s missed", self.report_id, exc_info=True)
                    conn.close()  # reconnects on the next beat
        finally:
            conn.close()


def _run_in_progress(project_id: int) -> bool:
    """Whether a live database session holds the project's run lock (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, project_id])
        acquired = cursor.fetchone()[0]
        if acquired:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, project_id])
    return not acquired


def _interrupted_in_a_row(project_id: int) -> int:
    """Interrupted runs of the project since its last finished one."""
    last_done = (
        AgreementReport.objects.filter(project_id=project_id, status=AgreementReport.Status.DONE)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    runs = AgreementReport.objects.filter(
        project_id=project_id, status=AgreementReport.Status.FAILED, error__startswith="Interrupted"
    )
    if last_done is not None:
        runs = runs.filter(created_at__gt=last_done)
    return runs.count()


def agreement_recover_stalled(*, stale: dt.timedelta | None = None) -> list[int]:
    """Mark dead runs interrupted and queue a fresh run of each; returns the reports recovered."""
    from core.outbox import enqueue

    cutoff = timezone.now() - (stale if stale is not None else stale_after())
    max_attempts = int(getattr(settings, "AGREEMENT_MAX_ATTEMPTS", 3))
    recovered = []
    with transaction.atomic():
        stalled = list(
            AgreementReport.objects.select_for_update(skip_locked=True)
            .filter(status=AgreementReport.Status.RUNNING)
            .filter(
                Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
            )
            .order_by("created_at")
        )
        for report in stalled:
            if _run_in_progress(report.project_id):
                continue  # slow but alive: its session still holds the run lock
            updated = AgreementReport.objects.filter(
                pk=report.pk, status=AgreementReport.Status.RUNNING
            ).update(
                status=AgreementReport.Status.FAILED,
                error=INTERRUPTED,
                finished_at=timezone.now(),
            )
            if not updated:
                continue
            attempts = _interrupted_in_a_row(report.project_id)
            if attempts >= max_attempts:
                log.error(
                    "agreement of project %s interrupted %s times in a row; not run again",
                    report.project_id,
                    attempts,
                )
                audit_record(
                    actor=None,
                    action="agreement.given_up",
                    obj=report,
                    after={"interrupted_in_a_row": attempts},
                )
                continue
            audit_record(
                actor=None, action="agreement.requeue", obj=report, after={"attempt": attempts + 1}
            )
            enqueue("curation.compute_agreement", report.project_id, report.requested_by_id)
            recovered.append(report.pk)
    if recovered:
        log.warning("agreement runs %s had lost their worker; queued again", recovered)
    return recovered
