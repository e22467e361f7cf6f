"""Celery task durations and failures, counted in Redis so any web process can report them.

Workers run on several hosts and in several processes each; a Prometheus registry in each would
need a scrape target per process. Instead each finished task adds to one Redis hash (a few
HINCRBY in one round trip), and /metrics turns the hash into a histogram and a counter per task
name. The store is METRICS_REDIS_URL, else the broker when it is Redis; with neither (the demo's
file-system broker) nothing is counted. A metrics store that does not answer never fails a task.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict

log = logging.getLogger(__name__)

KEY = "rounds:metrics:tasks"
BUCKETS = (0.1, 0.5, 1.0, 5.0, 30.0, 120.0, 600.0, 3600.0)
_started: dict[str, float] = {}
_client = None
_client_url = ""


def store_url() -> str:
    from django.conf import settings

    url = getattr(settings, "METRICS_REDIS_URL", "") or ""
    if url:
        return url
    broker = getattr(settings, "CELERY_BROKER_URL", "") or ""
    return broker if broker.startswith(("redis://", "rediss://")) else ""


def client():
    """A Redis client on the metrics store with short timeouts; None when there is no store."""
    global _client, _client_url
    url = store_url()
    if not url:
        return None
    if _client is None or _client_url != url:
        import redis

        _client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        _client_url = url
    return _client


def record(name: str, seconds: float | None, failed: bool) -> None:
    redis_client = client()
    if redis_client is None:
        return
    try:
        pipe = redis_client.pipeline(transaction=False)
        if seconds is not None:
            pipe.hincrby(KEY, f"{name}|count", 1)
            pipe.hincrbyfloat(KEY, f"{name}|sum", seconds)
            for bound in BUCKETS:
                if seconds <= bound:
                    pipe.hincrby(KEY, f"{name}|le|{bound}", 1)
        if failed:
            pipe.hincrby(KEY, f"{name}|failures", 1)
        pipe.execute()
    except Exception:
        log.warning("task metrics not recorded for %s", name, exc_info=True)


def read() -> dict[str, dict]:
    """Per task name: count, sum, failures and cumulative bucket counts (for the collector)."""
    redis_client = client()
    if redis_client is None:
        return {}
    raw = redis_client.hgetall(KEY)
    tasks: dict[str, dict] = defaultdict(
        lambda: {"count": 0, "sum": 0.0, "failures": 0, "buckets": {b: 0 for b in BUCKETS}}
    )
    for field, value in raw.items():
        name, _, rest = field.decode().partition("|")
        entry = tasks[name]
        if rest == "count":
            entry["count"] = int(value)
        elif rest == "sum":
            entry["sum"] = float(value)
        elif rest == "failures":
            entry["failures"] = int(value)
        elif rest.startswith("le|"):
            bound = float(rest[3:])
            if bound in entry["buckets"]:
                entry["buckets"][bound] = int(value)
    return dict(tasks)


def connect_task_metrics() -> None:
    from celery.signals import task_failure, task_postrun, task_prerun

    @task_prerun.connect(weak=False)
    def _prerun(task_id=None, **kwargs) -> None:
        _started[task_id] = time.monotonic()

    @task_postrun.connect(weak=False)
    def _postrun(task_id=None, task=None, state=None, **kwargs) -> None:
        started = _started.pop(task_id, None)
        seconds = time.monotonic() - started if started is not None else None
        if task is not None and state != "RETRY":
            record(task.name, seconds, failed=False)

    @task_failure.connect(weak=False)
    def _failure(sender=None, **kwargs) -> None:
        if sender is not None:
            record(sender.name, None, failed=True)
