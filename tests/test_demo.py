"""`make demo`: scripts/demo.py serves the seeded site with a real worker; Ctrl-C stops both."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "rounds-demo-2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def demo(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(ROUNDS_VAR_DIR=str(tmp_path / "var"), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "scripts/demo.py", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + 240
    while not any("Press Ctrl-C to stop." in line for line in lines):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("demo did not start:\n" + "".join(lines)[-4000:])
        time.sleep(0.5)
    yield proc, f"http://127.0.0.1:{port}", lines
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)


def _grade(criterion: dict):
    if criterion["kind"] in ("binary", "points"):
        return True
    if criterion["kind"] == "nominal":
        return criterion["choices"][0]
    return criterion["max_value"] if criterion["max_value"] is not None else 1


def _review_one(url: str, email: str) -> bool:
    """Sign in as `email`, pull the next sample of their first project and submit a review of
    it; True if one was reviewed, False if nothing was left for them."""
    session = requests.Session()
    session.get(f"{url}/accounts/login/", timeout=10)
    signed_in = session.post(
        f"{url}/accounts/login/",
        data={"username": email, "password": PASSWORD},
        headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": f"{url}/"},
        timeout=10,
    )
    assert signed_in.status_code == 200, signed_in.text[:500]
    headers = {"X-CSRFToken": session.cookies["csrftoken"], "Referer": f"{url}/"}
    for project in session.get(f"{url}/api/projects/", timeout=10).json()["results"]:
        pulled = session.post(f"{url}/api/projects/{project['slug']}/next/", headers=headers)
        if pulled.status_code == 204:
            continue
        assert pulled.status_code in (200, 201), pulled.text[:500]
        lease = pulled.json()
        rubric = session.get(f"{url}/api/projects/{project['slug']}/", timeout=10).json()
        grades = {c["key"]: _grade(c) for c in rubric["rubric"]["criteria"]}
        submitted = session.post(
            f"{url}/api/assignments/{lease['id']}/submit/",
            json={"grades": grades, "verdict": "accept"},
            headers=headers,
            timeout=10,
        )
        assert submitted.status_code == 201, submitted.text[:500]
        review = submitted.json()
        assert review["verdict"] == "accept" and review["sample"]["id"] == lease["sample"]["id"]
        return True
    return False


def test_demo_serves_the_seeded_site_and_stops_both_processes_on_ctrl_c(demo, tmp_path):
    proc, url, lines = demo
    output = "".join(lines)
    pids = re.search(r"web pid (\d+), worker pid (\d+)", output)
    web, worker = int(pids.group(1)), int(pids.group(2))
    assert f"Rounds is running at {url}/" in output
    assert "admin@rounds.demo" in output and PASSWORD in output
    assert " ready." in (tmp_path / "var" / "log" / "worker.log").read_text()

    session = requests.Session()
    page = session.get(f"{url}/accounts/login/", timeout=10)
    assert page.status_code == 200
    signed_in = session.post(
        f"{url}/admin/login/?next=/admin/",
        data={
            "username": "admin@rounds.demo",
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
        headers={"Referer": f"{url}/admin/login/"},
        timeout=10,
    )
    assert signed_in.status_code == 200
    assert "Site administration" in signed_in.text
    assert "Health answers review" in session.get(f"{url}/admin/curation/project/").text

    # A physician pulls and submits through the API on SQLite, the demo's database.
    physicians = [e for e in re.findall(r"\S+@rounds\.demo", output) if e != "admin@rounds.demo"]
    assert any(_review_one(url, email) for email in physicians)

    proc.send_signal(signal.SIGINT)

    assert proc.wait(timeout=60) == 0
    assert "demo: stopped" in "".join(lines)
    deadline = time.monotonic() + 10
    while not (gone(web) and gone(worker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert gone(web) and gone(worker)
    assert (tmp_path / "var" / "rounds.sqlite3").exists()


def test_docker_compose_describes_the_production_stack():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "beat", "nginx"} <= set(services)
    for name in ("migrate", "web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production", name
        assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0", name
        # The app role owns nothing; only migrate gets the owner (docs/security.md).
        assert env["DATABASE_URL"].startswith("postgres://rounds_app:"), name
        assert ("MIGRATE_DATABASE_URL" in env) == (name == "migrate"), name
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["web"]["command"][:2] == ["gunicorn", "config.wsgi:application"]
    assert services["worker"]["command"][:3] == ["celery", "--app=config", "worker"]
    assert services["beat"]["command"][:3] == ["celery", "--app=config", "beat"]
    assert services["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert {"pgdata", "redisdata", "storage", "static"} <= set(compose["volumes"])
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements/base.txt" in dockerfile and "USER rounds" in dockerfile


def production_check(**env_overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "DEBUG")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", **env_overrides)
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_import_with_the_compose_environment():
    result = production_check(
        SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL="postgres://rounds_app:pw@postgres:5432/rounds",
        CELERY_BROKER_URL="redis://redis:6379/0",
        ALLOWED_HOSTS="rounds.example.org",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = production_check(DATABASE_URL="postgres://rounds:pw@postgres:5432/rounds")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
