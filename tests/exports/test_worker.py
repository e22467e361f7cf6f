"""A real Celery worker builds exports; one killed mid-build leaves nothing visible, and the retry
finishes."""

from __future__ import annotations

import datetime as dt
import hashlib
import time

import pytest
from django.db import connection

from curation.models import Sample
from exports.models import Export
from exports.services import export_create, exports_recover_stalled
from tests.exports.conftest import settled
from tests.exports.helpers import data_path

pytestmark = [pytest.mark.celery, pytest.mark.faults]


def clone_samples(template: Sample, n: int) -> None:
    """n copies of a settled sample, made inside PostgreSQL (fast, whatever columns exist)."""
    columns = [
        f.column for f in Sample._meta.concrete_fields if f.column not in ("id", "external_id")
    ]
    cols = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO curation_sample (external_id, {cols}) "
            f"SELECT 'bulk-' || lpad(g::text, 7, '0'), {cols} "
            f"FROM curation_sample, generate_series(1, %s) g WHERE id = %s",
            [n, template.pk],
        )


def wait_for(predicate, timeout: float, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out")


def test_worker_builds_an_export_end_to_end(committed, celery_worker, project, admin):
    settled(project, "one", verdict="accept")
    export = export_create(actor=admin, project=project, format="sft")
    done = wait_for(
        lambda: Export.objects.filter(pk=export.pk, status__in=["done", "failed"]).first(), 60, 0.1
    )
    assert done.status == "done", (done.error, celery_worker.log()[-3000:])
    assert done.row_count == 1


def test_a_build_killed_halfway_leaves_no_file_and_the_retry_finishes(
    committed, celery_worker, project, admin, storage_root
):
    rows = 300_000
    clone_samples(settled(project, "template", verdict="accept"), rows - 1)
    export = export_create(actor=admin, project=project, format="sft")

    wait_for(
        lambda: Export.objects.filter(
            pk=export.pk, status="running", progress_rows__gte=10_000
        ).exists(),
        timeout=120,
    )
    celery_worker.kill()
    killed = Export.objects.get(pk=export.pk)
    assert killed.status == "running" and killed.progress_rows < rows, killed.progress_rows
    assert killed.files == [] and killed.sha256 == ""
    exports_root = storage_root / "exports"
    assert not (exports_root / project.slug).exists()  # nothing published

    celery_worker.start()
    time.sleep(1.5)  # the dead worker's heartbeat goes stale
    assert exports_recover_stalled(stale_after=dt.timedelta(seconds=1)) == [export.pk]
    finished = wait_for(
        lambda: Export.objects.filter(pk=export.pk, status__in=["done", "failed"]).first(),
        timeout=180,
        interval=0.2,
    )
    assert finished.status == "done", (finished.error, celery_worker.log()[-3000:])
    assert finished.attempt == 2
    assert finished.row_count == rows
    path = data_path(finished)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == finished.sha256
    assert len(path.read_bytes().splitlines()) == rows
    assert list((exports_root / ".tmp").iterdir()) == []  # the killed attempt's work is gone
