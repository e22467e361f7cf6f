"""gunicorn settings of the web server: the image, docker-compose and the benchmark all use them.

Sync workers, one request at a time each, (2 x cores) + 1 of them as gunicorn recommends: a
request never waits for another thread's turn at the GIL, and while one worker waits on the
database another can use the core. nginx in front buffers slow clients. WEB_WORKERS overrides.
"""

import os
import shutil

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_WORKERS") or 2 * len(os.sched_getaffinity(0)) + 1)
worker_class = "sync"
timeout = 60
backlog = 2048
accesslog = "-"

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
