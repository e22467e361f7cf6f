"""Real services for integration tests: a Celery worker over Redis, Chromium via Playwright."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def database_url(settings_dict: dict) -> str:
    """A URL for the database the tests run on (the test database, not the configured one)."""
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else f"{user}@"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


class CeleryWorker:
    """A `celery worker` process bound to the test database; kill it, start another."""

    def __init__(
        self, env: dict, log_dir: Path, extra: tuple[str, ...] = (), name: str = "test"
    ) -> None:
        self.env = env
        self.log_dir = log_dir
        self.extra = extra  # more `celery worker` options: -Q, --beat ...
        self.name = name  # node name prefix: two workers side by side need different ones
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self, concurrency: int = 1) -> None:
        self.starts += 1
        log = open(self.log_dir / f"worker-{self.starts}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel",
                "INFO",
                "--pool",
                "prefork",
                "--concurrency",
                str(concurrency),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"{self.name}{self.starts}@%h",
                *self.extra,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120  # a loaded two-core host takes its time
        logfile = self.log_dir / f"worker-{self.starts}.log"
        while time.monotonic() < deadline:
            if " ready." in logfile.read_text(errors="replace"):
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"celery worker exited: {logfile.read_text()[-3000:]}")
            time.sleep(0.2)
        self.kill()  # never leave a worker behind that would take later tests' jobs
        raise RuntimeError("celery worker did not become ready in 120 s")

    def kill(self) -> None:
        """SIGKILL the whole worker process group, as a crashed machine would."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("*.log")))


@pytest.fixture
def celery_worker(transactional_db, tmp_path, settings):
    """A real worker on the real broker, reading and writing the test database.

    Tests that use it must commit their data (transactional_db) so the worker can see it.
    """
    import redis
    from django.db import connection

    broker = settings.CELERY_BROKER_URL
    redis.Redis.from_url(broker).flushdb()  # no task left over from an earlier run
    env = dict(os.environ)
    env.pop("PYTEST_XDIST_WORKER", None)  # the broker URL below is already this worker's own
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url(connection.settings_dict),
        CELERY_BROKER_URL=broker,
        STORAGE_ROOT=str(settings.STORAGE_ROOT),
        PYTHONUNBUFFERED="1",
    )
    worker = CeleryWorker(env, tmp_path)
    worker.start()
    yield worker
    worker.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """An S3-compatible server on loopback (moto's standalone server), for the whole session.

    S3_TEST_ENDPOINT_URL points the tests at one already running (MinIO, say) instead.
    """
    if os.environ.get("S3_TEST_ENDPOINT_URL"):
        yield os.environ["S3_TEST_ENDPOINT_URL"]
        return
    port = free_port()
    log = tmp_path_factory.mktemp("s3") / "moto.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"moto server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)


S3_CREDENTIALS = {"S3_ACCESS_KEY_ID": "rounds-test", "S3_SECRET_ACCESS_KEY": "rounds-test-secret"}


@pytest.fixture
def s3_storage(s3_server, settings, monkeypatch, request):
    """Files go to a fresh bucket of the S3-compatible server, through the production backend.

    The environment is set too, so a worker subprocess started after this fixture uses it.
    """
    import boto3

    from config.settings.base import default_storage_config

    bucket = f"rounds-{uuid.uuid4().hex[:12]}"
    env = {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": s3_server,
        "S3_REGION": "us-east-1",
        "S3_ADDRESSING_STYLE": "path",
        **S3_CREDENTIALS,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
        setattr(settings, key, value)
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id=S3_CREDENTIALS["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_CREDENTIALS["S3_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=bucket)
    config = default_storage_config("s3", Path("."))
    config["OPTIONS"].update(
        bucket_name=bucket,
        endpoint_url=s3_server,
        access_key=S3_CREDENTIALS["S3_ACCESS_KEY_ID"],
        secret_key=S3_CREDENTIALS["S3_SECRET_ACCESS_KEY"],
    )
    settings.STORAGES = {**settings.STORAGES, "default": config}
    return client, bucket


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(
            f"Chromium not found at {executable}: `make browser` installs Debian's chromium"
        )
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()
