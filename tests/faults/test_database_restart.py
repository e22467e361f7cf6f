"""PostgreSQL restarted while physicians submit reviews through the REST API.

A gunicorn server (three sync workers, the production image's worker class, with production's
persistent, health-checked database connections) serves physicians who each pull the next sample
and submit it with a client key, over and over. PostgreSQL is restarted in the middle. Requests
caught by the restart must fail cleanly (a JSON 503, or a refused connection), never hang; the
clients retry with the same client key; once the database is back every request succeeds again on
the same server processes; and every submit answered 2xx is in the database, exactly once.

The cluster is restarted with pg_ctlcluster, so this runs only where the test database lives in a
local Debian cluster (as in CI); anywhere else it is skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from django.db import connection

from core.tokens import api_token_create
from curation.models import Review
from tests.factories import PhysicianFactory, ProjectFactory, SampleFactory, join
from tests.faults.broker import free_port
from tests.faults.helpers import GRADES
from tests.services import ROOT, database_url

pytestmark = [pytest.mark.faults]

PHYSICIANS = 8
SAMPLES = 400
BEFORE, AFTER = 3.0, 6.0  # seconds of work before the restart, and after it is over
SETTLE = 2.0  # seconds after the restart within which a failure is still the restart's
TIMEOUT = 15.0  # a request slower than this counts as a hang


def local_cluster(port: int) -> tuple[str, str] | None:
    """(version, name) of the local Debian cluster listening on `port`, if there is one."""
    if shutil.which("pg_lsclusters") is None or shutil.which("pg_ctlcluster") is None:
        return None
    out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True)
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[2] == str(port) and parts[3].startswith("online"):
            return parts[0], parts[1]
    return None


@pytest.fixture
def cluster():
    settings_dict = connection.settings_dict
    host = settings_dict.get("HOST") or "localhost"
    port = int(settings_dict.get("PORT") or 5432)
    if host not in ("127.0.0.1", "localhost", "::1", ""):
        pytest.skip(f"the test database is on {host}, not a local cluster this test may restart")
    found = local_cluster(port)
    if found is None:
        pytest.skip(f"no local pg_ctlcluster cluster on port {port} to restart")
    if os.geteuid() not in (0,) and os.environ.get("USER") != "postgres":
        pytest.skip("restarting the cluster needs root or the postgres user")
    return found


class Gunicorn:
    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="tests.faults.settings",
            DATABASE_URL=database_url(connection.settings_dict),
            PYTHONUNBUFFERED="1",
        )
        self.log = log
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "config.wsgi:application",
                "--bind", f"127.0.0.1:{self.port}", "--workers", "3", "--timeout", "60",
            ],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.url}/api/projects/", timeout=30)
                return
            except (requests.ConnectionError, requests.Timeout):
                if self.proc.poll() is not None:
                    raise RuntimeError(f"gunicorn exited: {log.read_text()[-3000:]}") from None
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def workers(self) -> set[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        return {int(pid) for pid in children.split()}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def web(committed, tmp_path):
    server = Gunicorn(tmp_path / "gunicorn.log")
    yield server
    server.stop()


@dataclass(eq=False)  # a thread must stay hashable
class Physician(threading.Thread):
    """One physician's client: pull, submit with a client key; retry both until they answer."""

    url: str
    key: str
    slug: str
    deadline: float
    submitted: dict[str, int] = field(default_factory=dict)  # client key -> review id (2xx)
    failures: list[tuple[float, str, str]] = field(default_factory=list)  # (answered, what, how)
    successes: list[float] = field(default_factory=list)  # when each began
    crashed: list[str] = field(default_factory=list)
    slowest: float = 0.0

    def __post_init__(self) -> None:
        super().__init__(daemon=True)
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {self.key}"

    def call(self, what: str, path: str, body: dict | None = None) -> requests.Response | None:
        """One attempt; None when it failed in a way that calls for a retry."""
        started = time.monotonic()
        try:
            response = self.http.post(f"{self.url}{path}", json=body, timeout=(3, TIMEOUT))
        except requests.Timeout:
            self.failures.append((time.monotonic(), what, "timeout"))
            return None
        except requests.ConnectionError:
            self.failures.append((time.monotonic(), what, "connection error"))
            time.sleep(0.2)
            return None
        finally:
            self.slowest = max(self.slowest, time.monotonic() - started)
        if response.status_code >= 500:
            is_json = response.headers.get("Content-Type", "").startswith("application/json")
            how = f"{response.status_code} {'json' if is_json else 'not json'}"
            if is_json:
                how += f" {response.json().get('errors', [{}])[0].get('code')}"
            self.failures.append((time.monotonic(), what, how))
            time.sleep(0.2)
            return None
        self.successes.append(started)
        return response

    def run(self) -> None:
        try:
            while time.monotonic() < self.deadline:
                pulled = None
                while pulled is None and time.monotonic() < self.deadline + 30:
                    pulled = self.call("next", f"/api/projects/{self.slug}/next/")
                if pulled is None or pulled.status_code == 204:
                    return
                assert pulled.status_code in (200, 201), pulled.text
                assignment = pulled.json()["id"]
                client_key = uuid.uuid4().hex
                body = {"grades": GRADES, "verdict": "accept", "client_key": client_key}
                done = None
                while done is None and time.monotonic() < self.deadline + 30:
                    done = self.call("submit", f"/api/assignments/{assignment}/submit/", body)
                assert done is not None, "a submit never went through"
                assert done.status_code in (200, 201), done.text
                self.submitted[client_key] = done.json()["id"]
        except Exception as exc:  # a crash in a thread must fail the test, not vanish
            self.crashed.append(repr(exc))


def test_postgresql_restart_mid_submit_loses_nothing_and_needs_no_web_restart(cluster, web, cohort):
    project = ProjectFactory(cohorts=[cohort], overlap=3, slug="restart")
    SampleFactory.create_batch(SAMPLES, project=project)
    keys = []
    for _ in range(PHYSICIANS):
        physician = PhysicianFactory(specialties=["cardiology"])
        join(cohort, physician)
        keys.append(api_token_create(user=physician.user, name="restart test")[1])
    workers_before = web.workers()

    start = time.monotonic()
    deadline = start + 120  # stopped early below, once AFTER seconds have passed
    clients = [Physician(web.url, key, project.slug, deadline) for key in keys]
    for client in clients:
        client.start()
    time.sleep(BEFORE)
    version, name = cluster
    restart_began = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    restart_ended = time.monotonic()
    time.sleep(AFTER)
    for client in clients:
        client.deadline = time.monotonic()
    for client in clients:
        client.join(timeout=TIMEOUT + 40)
    connection.close()  # this process's own session died with the restart

    assert not any(c.is_alive() for c in clients), "a client hung"
    assert [c.crashed for c in clients if c.crashed] == []
    failures = [f for c in clients for f in c.failures]
    assert not [f for f in failures if f[2] == "timeout"], "a request hung"
    assert not [f for f in failures if "not json" in f[2]], failures
    # A request may wait in the server's queue through the restart: a failure belongs to the
    # restart when it was answered during it (or just after, while workers reconnect).
    late = [f for f in failures if not restart_began <= f[0] <= restart_ended + SETTLE]
    window = f"{restart_began - start:.1f}-{restart_ended - start:.1f} s"
    assert late == [], (
        f"failures answered outside the restart ({window}): "
        f"{[(round(f[0] - start, 2), *f[1:]) for f in late[:5]]}\n"
        + "\n".join(line for line in web.log.read_text().splitlines() if "unavailable" in line)
    )
    after = [t for c in clients for t in c.successes if t > restart_ended + SETTLE]
    assert len(after) >= PHYSICIANS, "too little succeeded after the restart to prove anything"
    assert all(any(t > restart_ended + SETTLE for t in c.successes) for c in clients)

    # The same server processes served before and after: nothing was restarted to recover.
    assert web.proc.poll() is None and web.workers() == workers_before

    # Every submit answered 2xx is stored, once, as the review the client was told about.
    answered = {key: review_id for c in clients for key, review_id in c.submitted.items()}
    stored = dict(Review.objects.filter(project=project).values_list("client_key", "id"))
    assert answered == stored
    assert len(answered) == Review.objects.filter(project=project).count()

    kinds = sorted({f[2] for f in failures})
    print(
        f"restart took {restart_ended - restart_began:.1f} s; {len(answered)} submits answered "
        f"2xx, all stored once; {len(failures)} failed attempts during the restart ({kinds}), "
        f"all retried; {len(after)} requests succeeded after it; slowest request "
        f"{max(c.slowest for c in clients):.1f} s"
    )


def test_connections_the_database_dropped_while_idle_are_replaced_without_an_error(web, cohort):
    """What a restart does to a quiet server: every kept connection is dead. Health checks
    (CONN_HEALTH_CHECKS) find that before a request uses one, so not one request fails."""
    project = ProjectFactory(cohorts=[cohort], slug="idle")
    physician = PhysicianFactory(specialties=["cardiology"])
    join(cohort, physician)
    key = api_token_create(user=physician.user, name="idle test")[1]
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {key}"

    def served() -> list[int]:
        return [
            http.get(f"{web.url}/api/projects/{project.slug}/", timeout=TIMEOUT).status_code
            for _ in range(30)
        ]

    assert set(served()) == {200}  # every worker now keeps a connection
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        dropped = cursor.rowcount
    assert dropped >= 1
    assert served() == [200] * 30
