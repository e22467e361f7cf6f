"""A Redis broker of the test's own, to stop and start without touching anyone else's.

The test process's Celery app and any `celery_worker` started after this fixture publish to and
consume from it; the shared Redis the rest of the suite uses is never stopped.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def use_broker(url: str | None) -> None:
    """Point this process's Celery app at `url` (None: back to its configured broker), dropping
    pooled connections to the old one. The CELERY_BROKER_URL environment variable outranks
    `broker_url`, so the read and write URLs, which outrank it, are set instead."""
    from kombu import pools

    from config.celery import app

    pools.reset()  # closes every pooled connection and forgets the pools
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
    app.conf.broker_write_url = url
    app.conf.broker_read_url = url


class PrivateRedis:
    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        """Gone at once, unsaved: what a crashed broker looks like to its clients."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=1)

    def queued_task_ids(self, queue: str | None = None) -> list[str]:
        """Task ids waiting in `queue`, or in every configured queue (interactive, heavy)."""
        import json

        from django.conf import settings

        queues = [queue] if queue else list(settings.CELERY_TASK_QUEUES)
        ids = []
        for name in queues:
            messages = self.client().lrange(name, 0, -1)
            ids += [json.loads(m)["headers"]["id"] for m in reversed(messages)]  # delivery order
        return ids


@pytest.fixture
def private_broker(settings) -> Iterator[PrivateRedis]:
    """A fresh redis-server on a free port, used as the Celery broker for this test."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    broker = PrivateRedis(free_port())
    broker.start()
    settings.CELERY_BROKER_URL = broker.url
    use_broker(broker.url)
    try:
        yield broker
    finally:
        use_broker(None)
        broker.stop()
