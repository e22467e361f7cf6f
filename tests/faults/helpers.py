"""Small tools the fault tests share."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.db import connection
from django.utils import timezone

from curation.models import Review, Sample

T = TypeVar("T")

GRADES = {"accurate": True, "completeness": 4, "urgency": "emergent", "advises_er": True}


def wait_for(
    predicate: Callable[[], T], timeout: float, interval: float = 0.05, what: str = ""
) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")


def review(sample: Sample, user, grades: dict, verdict: str = "accept") -> Review:
    """A submitted review counted toward the sample's k, as the workflow counts it."""
    created = Review.objects.create(
        project=sample.project,
        sample=sample,
        reviewer=user,
        rubric=sample.project.rubric,
        grades=grades,
        verdict=verdict,
        corrected_answer="Call 911 now." if verdict == "revise" else "",
        rationale="" if verdict == "accept" else "Needs a change.",
        time_on_task_ms=60_000,
        submitted_at=timezone.now(),
        client_key=uuid.uuid4().hex,
    )
    sample.reviews_done += 1
    sample.slots_open = max(sample.slots_open - 1, 0)
    if sample.reviews_done >= sample.project.overlap:
        sample.status = Sample.Status.COMPLETE
    sample.save(update_fields=["reviews_done", "slots_open", "status"])
    return created


def backends_waiting_on_locks() -> list[tuple[int, str]]:
    """(pid, query) of sessions on this database blocked on a lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchall()


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def locks_held(pid: int, table: str) -> set[str]:
    """The lock modes session `pid` holds on `table`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = %s AND c.relname = %s AND l.granted",
            [pid, table],
        )
        return {row[0] for row in cursor.fetchall()}
