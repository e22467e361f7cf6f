"""Every response carries a request id, and every log line written for it names the same id."""

from __future__ import annotations

import io
import logging
import os
import secrets
import subprocess
import sys

import orjson
from django.conf import settings
from django.test import Client

from core.logging import JsonFormatter, RedactSecretsFilter
from core.requestid import RequestIdFilter, current


def test_a_response_carries_a_new_request_id(db):
    first = Client().get("/accounts/login/")["X-Request-ID"]
    second = Client().get("/accounts/login/")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_the_proxys_request_id_is_kept_and_a_malformed_one_replaced(db):
    assert (
        Client().get("/accounts/login/", HTTP_X_REQUEST_ID="lb-abc.123")["X-Request-ID"]
        == "lb-abc.123"
    )
    bad = Client().get("/accounts/login/", HTTP_X_REQUEST_ID='x" onload=alert(1)')
    assert bad["X-Request-ID"] != 'x" onload=alert(1)' and len(bad["X-Request-ID"]) == 32


def test_json_log_lines_name_the_request_id(db, monkeypatch):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactSecretsFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = Client().get("/api/exports/", HTTP_X_REQUEST_ID="req-42")
    finally:
        logger.removeHandler(handler)
    assert response.status_code in (401, 403)
    lines = [orjson.loads(line) for line in stream.getvalue().splitlines()]
    assert lines, "django.request logs a refused API call"
    assert {line["request_id"] for line in lines} == {"req-42"}
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert current.get() == ""  # cleared once the response is done: nothing leaks onward


def test_secrets_are_masked_in_json_lines():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "key rpl_abcdefghijklmnop", (), None)
    RedactSecretsFilter().filter(record)
    RequestIdFilter().filter(record)
    line = orjson.loads(JsonFormatter().format(record))
    assert line["message"] == "key rpl_[redacted]" and line["request_id"] is None


def production_settings(**env) -> dict:
    """What config.settings.production makes of an environment, read in a fresh interpreter."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "import sentry_sdk; c = sentry_sdk.get_client(); "
        "print(json.dumps({'sentry': s.SENTRY_ENABLED, 'dsn': c.dsn, "
        "'format': s.LOGGING['handlers']['console']['formatter'], "
        "'hijack': s.CELERY_WORKER_HIJACK_ROOT_LOGGER}))"
    )
    base = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return orjson.loads(out.stdout.strip().splitlines()[-1])


def test_production_logs_json_and_reports_to_sentry_only_with_a_dsn():
    plain = production_settings()
    assert plain == {"sentry": False, "dsn": None, "format": "json", "hijack": False}
    dsn = "http://public@127.0.0.1:9/1"
    with_sentry = production_settings(SENTRY_DSN=dsn)
    assert with_sentry["sentry"] is True and with_sentry["dsn"] == dsn
    assert production_settings(LOG_FORMAT="plain")["format"] == "plain"


def test_a_job_queued_during_a_request_carries_its_id(settings):
    import redis

    from config.celery import app

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue = settings.CELERY_QUEUE_INTERACTIVE
    broker.delete(queue)
    token = current.set("req-7")
    try:
        app.send_task("curation.expire_leases")
    finally:
        current.reset(token)
    raw = broker.lpop(queue)
    broker.delete(queue)
    assert orjson.loads(raw)["headers"]["request_id"] == "req-7"
