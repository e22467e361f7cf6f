"""The HTTP half of the assignment benchmark: the production web server and an open-loop load.

The server is gunicorn started with the production settings and the production gunicorn
configuration (`config/gunicorn.py`), so what is measured is what is deployed.

The load is one asyncio process, not a thread per client: 1,000 physicians each ask for the next
sample, think for an exponential time (mean `think` seconds, so arrivals are Poisson), submit, and
ask again a second later. Every request is real HTTP over a fresh TCP connection, as nginx sends
it upstream (HTTP/1.0, one connection per request), authenticated by the physician's API token.
A request's latency runs from opening its connection to reading the last byte of the answer. The
generator's own lateness (how long after its due time a request was actually sent) is measured
apart and reported, so a reader can see that the client kept up and the figures are the server's.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRADES = {"accurate": True, "completeness": 4, "urgency": "routine"}
FLOOR_EVERY = 0.2  # 5 trivial requests a second: a probe, not a load of its own


def start_gunicorn(port: int, database_url: str, log) -> subprocess.Popen:
    """gunicorn with the production settings and gunicorn configuration, on 127.0.0.1:port;
    its error log goes to the open file `log`."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(60),
        SECURE_SSL_REDIRECT="0",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
        DATABASE_URL=database_url,
        GUNICORN_BIND=f"127.0.0.1:{port}",
    )
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--config=python:config.gunicorn",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,  # the access log is written as in production, then dropped
        stderr=log,  # Django logs every 401 of the floor probe as a warning
        start_new_session=True,
    )
    # Ready means every worker answers quickly, not merely that the port is open.
    workers = int(env.get("WEB_WORKERS") or 2 * len(os.sched_getaffinity(0)) + 1)
    deadline = time.monotonic() + 120
    fast = 0
    while time.monotonic() < deadline and fast < 10 * workers:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited at start")
        started = time.monotonic()
        try:
            status, _ = asyncio.run(_request(port, "GET", "/api/projects/", None, None))
        except OSError:
            time.sleep(0.2)
            continue
        fast = fast + 1 if status and time.monotonic() - started < 0.05 else 0
    if fast < 10 * workers:
        os.killpg(proc.pid, signal.SIGTERM)
        raise RuntimeError("gunicorn did not become ready in 120 s")
    return proc


async def _request(port: int, method: str, path: str, key: str | None, body: dict | None):
    """One HTTP/1.0 exchange on a new connection; (status, body bytes)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        data = json.dumps(body).encode() if body is not None else b""
        head = [f"{method} {path} HTTP/1.0", "Host: 127.0.0.1", "Accept: application/json"]
        if key:
            head.append(f"Authorization: Bearer {key}")
        if method != "GET":
            head += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        response = await reader.read(-1)  # HTTP/1.0: the server closes after the answer
    finally:
        writer.close()
    status_line, _, rest = response.partition(b"\r\n")
    _, _, payload = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), payload


class Load:
    """Open-loop load of `physicians` (API keys) for `seconds`; figures in `results`."""

    def __init__(self, port: int, slug: str, keys: list[str], seconds: float, think: float):
        self.port, self.slug, self.keys = port, slug, keys
        self.seconds, self.think = seconds, think
        self.results: dict[str, list[float]] = {"next": [], "submit": [], "floor": []}
        self.statuses: dict[str, dict[int, int]] = {"next": {}, "submit": {}, "floor": {}}
        self.lateness: list[float] = []

    def run(self) -> Load:
        gc.disable()  # a collection pause in the client must not read as server latency
        try:
            asyncio.run(self._main())
        finally:
            gc.enable()
        return self

    async def _main(self) -> None:
        loop = asyncio.get_running_loop()
        self.start = loop.time() + 2.0
        self.end = self.start + self.seconds
        tasks = [
            asyncio.create_task(self._physician(i, key, random.Random(11 + i)))
            for i, key in enumerate(self.keys)
        ]
        tasks.append(asyncio.create_task(self._floor()))
        await asyncio.gather(*tasks)

    async def _at(self, due: float) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, due - loop.time()))
        self.lateness.append(max(0.0, loop.time() - due))

    async def _send(self, action: str, method: str, path: str, key, body):
        loop = asyncio.get_running_loop()
        sent = loop.time()
        try:
            status, payload = await asyncio.wait_for(
                _request(self.port, method, path, key, body), timeout=30
            )
        except (TimeoutError, OSError, ValueError, IndexError) as exc:
            status, payload = 0, repr(exc).encode()  # counted, never dropped
        self.results[action].append(loop.time() - sent)
        self.statuses[action][status] = self.statuses[action].get(status, 0) + 1
        return status, payload

    async def _physician(self, index: int, key: str, rng: random.Random) -> None:
        due = self.start + rng.expovariate(1 / self.think)
        lease = None
        while due < self.end:
            await self._at(due)
            if lease is None:
                path = f"/api/projects/{self.slug}/next/"
                status, payload = await self._send("next", "POST", path, key, None)
                if status in (200, 201):
                    lease = json.loads(payload)["id"]
                    due = asyncio.get_running_loop().time() + rng.expovariate(1 / self.think)
                else:
                    due = asyncio.get_running_loop().time() + 1.0
            else:
                body = {"grades": GRADES, "verdict": "accept"}
                path = f"/api/assignments/{lease}/submit/"
                await self._send("submit", "POST", path, key, body)
                lease = None
                due = asyncio.get_running_loop().time() + 1.0

    async def _floor(self) -> None:
        """A probe on a fixed clock: each one is sent on time, whether or not the last is back."""
        due, probes = self.start, []
        while due < self.end:
            await self._at(due)
            probes.append(
                asyncio.create_task(self._send("floor", "GET", "/api/projects/", None, None))
            )
            due += FLOOR_EVERY
        await asyncio.gather(*probes)


def p99_ms(values: list[float]) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[max(0, math.ceil(len(values) * 0.99) - 1)] * 1000


def percentile_ms(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) in ms; NaN when there is nothing to rank."""
    if not values:
        return float("nan")
    values = sorted(values)
    return values[max(0, math.ceil(len(values) * q / 100) - 1)] * 1000
