"""Every response carries a request id, and every log line written for it names the same id."""

from __future__ import annotations

import io
import logging

import orjson
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


def test_production_logs_json_and_sentry_is_off_without_a_dsn():
    from config.settings.base import logging_config, sentry_init

    config = logging_config("json", "INFO")
    assert config["handlers"]["console"]["formatter"] == "json"
    assert sentry_init("") is False
