"""/healthz: the process serves. /readyz: the database, broker and storage answer in time."""

from __future__ import annotations

import socket
import time

import pytest
from django.test import Client

from core import health


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture
def probe():
    return Client(HTTP_HOST="10.0.0.7:8000")  # a container's address, not in ALLOWED_HOSTS


def test_ready_when_database_broker_and_storage_answer(db, probe, storage_root):
    response = probe.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "broker", "storage"}
    assert all(check["ok"] for check in body["checks"].values())
    assert response["Cache-Control"] == "no-store"


def test_not_ready_when_the_broker_is_down(db, probe, settings, storage_root):
    port = closed_port()
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
    started = time.monotonic()
    response = probe.get("/readyz")
    assert time.monotonic() - started < settings.READINESS_TIMEOUT_SECONDS + 1.5
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["failing"] == ["broker"]
    assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"]
    assert str(port) not in response.content.decode()  # says what failed, not where


def test_alive_even_when_the_broker_is_down(probe, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = probe.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_a_check_that_hangs_fails_within_the_time_budget(
    db, probe, settings, monkeypatch, storage_root
):
    settings.READINESS_TIMEOUT_SECONDS = 0.5
    monkeypatch.setitem(health.CHECKS, "database", lambda: time.sleep(5))
    started = time.monotonic()
    response = probe.get("/readyz")
    assert time.monotonic() - started < 1.5
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
    assert response.json()["checks"]["database"]["error"] == "no answer in 0.5 s"


def test_not_ready_when_the_storage_folder_is_gone(db, probe, storage_root):
    storage_root.rmdir()
    response = probe.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["storage"]
    assert str(storage_root) not in response.content.decode()


def test_not_ready_when_the_bucket_does_not_answer(db, probe, s3_storage, settings):
    s3, bucket = s3_storage
    assert probe.get("/readyz").status_code == 200
    s3.delete_bucket(Bucket=bucket)
    response = probe.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["storage"]


def test_probes_answer_over_plain_http_with_the_production_redirect_on(db, probe, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert probe.get("/healthz").status_code == 200
    assert probe.get("/accounts/login/", HTTP_HOST="localhost").status_code == 301
