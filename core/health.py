"""Liveness and readiness for load balancers and docker-compose: `/healthz` and `/readyz`.

Both are answered by a middleware at the top of the stack, before host validation, the HTTPS
redirect, sessions or throttling, so a probe on 127.0.0.1 over plain HTTP gets a real answer.
They are open to anyone by design and say only which dependency failed, never how (no host,
port or exception text).

`/healthz`: the process serves requests (200, nothing checked).
`/readyz`: the database, the broker and the file storage each answer within
READINESS_TIMEOUT_SECONDS; 200 when all do, else 503 naming the ones that did not.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, JsonResponse

NO_STORE = {"Cache-Control": "no-store"}


def check_database() -> None:
    from django.db import connections

    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connections.close_all()  # this probe thread's own connection


def check_broker() -> None:
    from kombu import Connection

    timeout = float(getattr(settings, "READINESS_TIMEOUT_SECONDS", 2))
    with Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=timeout,
        transport_options=getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
    ) as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)
        if conn.transport.driver_type == "redis":
            conn.default_channel.client.ping()


def check_storage() -> None:
    from django.core.files.storage import storages

    storage = storages["default"]
    if hasattr(storage, "bucket"):  # django-storages' S3 backend
        storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)
        return
    location = getattr(storage, "location", None)
    if location is not None and not os.access(location, os.W_OK):
        raise OSError("storage folder missing or read-only")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
}


def _run(check: Callable[[], None], timeout: float) -> tuple[bool, str, int]:
    """(ok, what went wrong, milliseconds); a check still running at `timeout` has failed."""
    outcome: dict = {}

    def target() -> None:
        try:
            check()
            outcome["ok"] = True
        except Exception as exc:
            outcome["error"] = type(exc).__name__

    started = time.monotonic()
    thread = threading.Thread(target=target, daemon=True, name="readiness-check")
    thread.start()
    thread.join(timeout)
    ms = int((time.monotonic() - started) * 1000)
    if thread.is_alive():
        return False, f"no answer in {timeout:g} s", ms
    return bool(outcome.get("ok")), outcome.get("error", ""), ms


def readiness() -> tuple[bool, dict]:
    """Run every check at once, each within the time budget."""
    timeout = float(getattr(settings, "READINESS_TIMEOUT_SECONDS", 2))
    results: dict = {}

    def one(name: str, check: Callable[[], None]) -> None:
        results[name] = _run(check, timeout)

    threads = [threading.Thread(target=one, args=item, daemon=True) for item in CHECKS.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 1)
    report = {}
    for name in CHECKS:
        ok, error, ms = results.get(name, (False, "no answer", int(timeout * 1000)))
        report[name] = {"ok": ok, "ms": ms, **({"error": error} if error else {})}
    return all(r["ok"] for r in report.values()), report


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"}, headers=NO_STORE)


def readyz(request: HttpRequest) -> JsonResponse:
    ok, report = readiness()
    failing = [name for name, r in report.items() if not r["ok"]]
    body = {"status": "ok" if ok else "unavailable", "failing": failing, "checks": report}
    return JsonResponse(body, status=200 if ok else 503, headers=NO_STORE)


ROUTES = {"/healthz": healthz, "/readyz": readyz}


class HealthCheckMiddleware:
    """Answers GET/HEAD /healthz and /readyz before anything else runs."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        view = ROUTES.get(request.path_info.rstrip("/") or "/")
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)
