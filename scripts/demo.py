#!/usr/bin/env python
"""Run the Rounds demo: migrate a SQLite database, load the demo data, start the web server and
a real Celery worker (with beat) on kombu's filesystem broker, and stop both on Ctrl-C.

    .venv/bin/python scripts/demo.py --host 127.0.0.1 --port 8000

Everything the demo writes lives in one directory: ROUNDS_VAR_DIR (default: var/ in the
repository), so deleting it starts over.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "rounds-demo-2026"
READY_TIMEOUT = float(os.environ.get("ROUNDS_DEMO_READY_TIMEOUT", "120"))


def demo_env(var_dir: Path, host: str, port: int) -> dict[str, str]:
    env = dict(os.environ)
    # The demo always runs on its own SQLite file and filesystem broker, whatever the shell has.
    env.pop("CELERY_BROKER_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        ROUNDS_VAR_DIR=str(var_dir),
        DATABASE_URL=f"sqlite:///{var_dir / 'rounds.sqlite3'}",
        STORAGE_ROOT=str(var_dir / "storage"),
        STATIC_ROOT=str(var_dir / "static"),
        SITE_URL=f"http://{host}:{port}",
        EMAIL_BACKEND=env.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"),
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        sys.exit(f"demo: `manage.py {' '.join(args)}` failed (exit {result.returncode})")


def start(args: list[str], env: dict[str, str], log: Path | None) -> subprocess.Popen:
    """A child in its own process group, so stopping it stops its own children too."""
    out = open(log, "a") if log else None  # noqa: SIM115 - closed when the demo exits
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT if out else None,
        start_new_session=True,
    )


def stop(children: dict[str, subprocess.Popen], timeout: float = 20) -> None:
    for proc in children.values():
        if proc.poll() is None:
            # The leader only: Celery then stops its own pool (a warm shutdown).
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for name, proc in children.items():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"demo: {name} did not stop in {timeout:.0f} s; killing it", flush=True)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        with contextlib.suppress(ProcessLookupError):  # anything left in the group goes too
            os.killpg(proc.pid, signal.SIGKILL)


def wait_ready(url: str, worker_log: Path, children: dict[str, subprocess.Popen]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    web_ok = worker_ok = False
    while time.monotonic() < deadline:
        for name, proc in children.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with status {proc.returncode}")
        if not web_ok:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                    web_ok = response.status == 200
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
        if not worker_ok and worker_log.exists():
            worker_ok = " ready." in worker_log.read_text(errors="replace")
        if web_ok and worker_ok:
            return
        time.sleep(0.3)
    raise RuntimeError(
        f"not ready after {READY_TIMEOUT:.0f} s (web: {web_ok}, worker: {worker_ok})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    opts = parser.parse_args()
    var_dir = Path(os.environ.get("ROUNDS_VAR_DIR", ROOT / "var")).resolve()
    (var_dir / "log").mkdir(parents=True, exist_ok=True)
    env = demo_env(var_dir, opts.host, opts.port)

    print(f"demo: preparing the database in {var_dir}", flush=True)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "seed_demo")

    stopping = False

    def on_signal(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    worker_log = var_dir / "log" / "worker.log"
    worker_log.write_text("")
    children = {
        "web": start(
            [sys.executable, "manage.py", "runserver", f"{opts.host}:{opts.port}", "--noreload"],
            env,
            var_dir / "log" / "web.log",
        ),
        "worker": start(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--beat",
                "--loglevel",
                "INFO",
                "--concurrency",
                "1",
                "--schedule",
                str(var_dir / "celerybeat-schedule"),
                "--hostname",
                f"demo-{os.getpid()}@%h",
            ],
            env,
            worker_log,
        ),
    }
    url = f"http://{opts.host}:{opts.port}/"
    try:
        wait_ready(url + "accounts/login/", worker_log, children)
    except RuntimeError as exc:
        stop(children)
        print(f"demo: failed to start: {exc}; see {var_dir / 'log'}", flush=True)
        return 1
    print(
        f"\nRounds is running at {url}\n"
        f"  admin:  {url}admin/  (admin@rounds.demo / {DEMO_PASSWORD})\n"
        f"  logins: the physicians listed above, password {DEMO_PASSWORD}\n"
        f"  web pid {children['web'].pid}, worker pid {children['worker'].pid} (with beat)\n"
        f"  logs:   {var_dir / 'log'}\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    status = 0
    while not stopping:
        for name, proc in children.items():
            if proc.poll() is not None and not stopping:
                print(f"demo: {name} exited with status {proc.returncode}; stopping", flush=True)
                stopping, status = True, 1
        time.sleep(0.3)
    print("demo: stopping the web server and the worker", flush=True)
    stop(children)
    print("demo: stopped", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
