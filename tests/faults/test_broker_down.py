"""The broker (Redis) stopped while physicians and admins work.

Physicians load and submit as usual: nothing on their path needs the broker. Jobs asked for in
the meantime (an export, an agreement run, a Label Studio push) are recorded in the outbox and
shown as queued; none runs inside the request. Once the broker is back, the flush publishes them
and the worker, which stayed up through the outage, runs them (the export and the agreement run
are followed to the end; the push has no Label Studio to reach here).

The broker here is a redis-server of this test's own (see tests/faults/broker.py): stopping the
shared one would break every other test running against it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from rest_framework.test import APIClient

from core.models import AuditEvent, OutboxMessage
from curation.models import AgreementReport, LabelStudioLink, Review
from exports.models import Export
from tests.exports.conftest import settled
from tests.factories import SampleFactory
from tests.faults.helpers import GRADES, wait_for
from tests.services import ROOT

pytestmark = [pytest.mark.faults, pytest.mark.celery]

FAST = 2.0  # seconds: the longest any request may take with the broker gone
OUTAGE = 8.0  # seconds the broker stays down: long enough for the worker to lose it


@pytest.fixture
def own_storage(settings, tmp_path):
    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(settings.STORAGE_ROOT)},
        },
    }


@pytest.fixture
def worker(committed, own_storage, private_broker, celery_worker):
    """A worker on the test's own broker, started before the outage and left running."""
    return celery_worker


@pytest.fixture
def beat(worker, tmp_path):
    """`celery beat` on the same broker, flushing the outbox every second instead of 30."""
    log = tmp_path / "beat.log"
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
            "--schedule", str(tmp_path / "beat-schedule"),
        ],
        cwd=ROOT, env={**worker.env, "OUTBOX_FLUSH_EVERY_SECONDS": "1"},
        stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    wait_for(lambda: "Sending due task outbox-flush" in log.read_text(), 60, 0.2, "beat")
    yield log
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=15)


class Stopwatch:
    """Times requests; while the broker is down (`watching`), each must finish within FAST."""

    def __init__(self) -> None:
        self.watching = False
        self.latencies: list[float] = []

    def __call__(self, call, *args, **kwargs):
        started = time.monotonic()
        response = call(*args, **kwargs)
        elapsed = time.monotonic() - started
        if self.watching:
            self.latencies.append(elapsed)
            assert elapsed < FAST, f"{args[0]} took {elapsed:.1f} s with the broker down"
        return response


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_with_the_broker_down_physicians_work_and_jobs_wait_until_it_is_back(
    worker, beat, private_broker, project, cardiologist, admin
):
    for n in range(3):
        settled(project, f"done-{n}", verdict="accept")
    for n in range(2):
        SampleFactory(project=project, external_id=f"open-{n}")
    LabelStudioLink.objects.create(project=project, url="http://127.0.0.1:9")
    physician = cardiologist.user
    page = Client()
    page.force_login(physician)
    timed = Stopwatch()

    def review_next(client_key: str) -> None:
        """Open the next sample in the browser, submit it over the API."""
        opened = timed(page.post, f"/projects/{project.slug}/next/", follow=True)
        assert opened.status_code == 200
        assert opened.redirect_chain and "/review/" in opened.redirect_chain[-1][0]
        lease = timed(api(physician).post, f"/api/projects/{project.slug}/next/")
        assert lease.status_code == 200  # the lease the page took
        submitted = timed(
            api(physician).post,
            f"/api/assignments/{lease.json()['id']}/submit/",
            {"grades": GRADES, "verdict": "accept", "client_key": client_key},
            format="json",
        )
        assert submitted.status_code == 201, submitted.content

    # A working day under way: every door has served a request (nothing is cold any more).
    review_next("before-outage")
    assert api(admin).get("/api/exports/").status_code == 200
    assert api(admin).get(f"/api/projects/{project.slug}/agreement/reports/").status_code == 200

    private_broker.stop()
    outage_started = time.monotonic()
    timed.watching = True

    review_next("during-outage")
    assert Review.objects.filter(reviewer=physician, client_key="during-outage").exists()
    assert not OutboxMessage.objects.exists()  # a physician's work queues no job

    # An admin asks for an export and an agreement run: accepted, shown as queued, not run.
    created = timed(
        api(admin).post, "/api/exports/", {"project": project.slug, "format": "sft"}, format="json"
    )
    assert created.status_code == 202, created.content
    assert created.json()["status"] == "queued"
    requested = timed(api(admin).post, f"/api/projects/{project.slug}/agreement/")
    assert requested.status_code == 202, requested.content
    console = Client()
    console.force_login(admin)
    pushed = timed(
        console.post,
        "/admin/curation/project/",
        {"action": "labelstudio_push_action", "_selected_action": [project.pk]},
        follow=True,
    )
    assert f"Push queued for {project.slug}." in pushed.content.decode()

    pending = list(OutboxMessage.objects.order_by("id"))
    assert [m.task for m in pending] == [
        "exports.build",
        "curation.compute_agreement",
        "curation.labelstudio_push",
    ]
    assert all(m.sent_at is None and "Connection refused" in m.last_error for m in pending)
    export = Export.objects.get(pk=created.json()["id"])
    assert (export.status, export.attempt, export.started_at) == ("queued", 0, None)
    assert not AgreementReport.objects.exists()  # nothing ran inside a request

    # The beat's flush during the outage gets nowhere and says so; the worker loses its broker.
    with pytest.raises(CommandError, match="the broker refused; 3 message"):
        call_command("flush_outbox", "--all")
    time.sleep(max(0.0, OUTAGE - (time.monotonic() - outage_started)))
    wait_for(lambda: "Connection to broker lost" in worker.log(), 10, 0.2, "the worker to notice")

    private_broker.start()
    outage = time.monotonic() - outage_started
    back = time.monotonic()
    timed.watching = False
    # Beat's next tick gets through; the worker's flush publishes the three jobs.
    wait_for(
        lambda: not OutboxMessage.objects.filter(sent_at__isnull=True).exists(),
        timeout=60,
        interval=0.2,
        what=f"beat's flush; beat log:\n{beat.read_text()[-2000:]}",
    )

    done = wait_for(
        lambda: Export.objects.filter(pk=export.pk, status__in=["done", "failed"]).first(),
        timeout=120,
        interval=0.2,
        what=f"the export; worker log:\n{worker.log()[-3000:]}",
    )
    assert done.status == "done", done.error
    assert done.row_count == 3 and done.attempt == 1
    wait_for(
        lambda: AgreementReport.objects.filter(project=project, status="done").exists(),
        timeout=60,
        interval=0.2,
        what=f"the agreement run; worker log:\n{worker.log()[-3000:]}",
    )
    finished = time.monotonic() - back
    assert worker.starts == 1  # the same worker process, reconnected by itself
    assert AuditEvent.objects.filter(action="outbox.flush", after__published=3).exists()
    print(
        f"broker down {outage:.1f} s; slowest request meanwhile {max(timed.latencies):.2f} s "
        f"({len(timed.latencies)} requests); both jobs done {finished:.1f} s after it came back"
    )
