"""gunicorn settings of the web server: the image, docker-compose and the benchmark all use them.

Sync workers, one request at a time each, (2 x cores) + 1 of them as gunicorn recommends: a
request never waits for another thread's turn at the GIL, and while one worker waits on the
database another can use the core. nginx in front buffers slow clients. WEB_WORKERS overrides.
"""

import os
import shutil

from gunicorn import glogging

from core.logging import scrub

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_WORKERS") or 2 * len(os.sched_getaffinity(0)) + 1)
worker_class = "sync"
timeout = 60
backlog = 2048
accesslog = "-"  # masked: RedactingLogger below


class RedactingLogger(glogging.Logger):
    """gunicorn's logger, with e-mail addresses and the tokens of password-reset and invitation
    links masked in every access-log field (request line, path, query, referer, headers)."""

    @staticmethod
    def scrub_atoms(atoms: dict) -> dict:
        return {
            key: scrub(value) if isinstance(value, str) else value for key, value in atoms.items()
        }

    def atoms(self, resp, req, environ, request_time):
        return self.scrub_atoms(super().atoms(resp, req, environ, request_time))


logger_class = RedactingLogger

# With PROMETHEUS_MULTIPROC_DIR set (a folder per host, emptied when the server starts), /metrics
# adds up the request metrics of every worker; a worker that exits has its gauges dropped.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server):
    if _metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
        os.makedirs(_metrics_dir)


def child_exit(server, worker):
    if _metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
