"""A request id on every log line: taken from X-Request-ID (a proxy's) or made, sent back in the
response, and carried into the Celery jobs a request queues, so one id follows the work."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from django.core.signals import request_finished

HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
_VALID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def new_id() -> str:
    return uuid.uuid4().hex


def accept(value: str | None) -> str:
    """The caller's id when it is a sane token, else a new one (ids are never trusted blindly)."""
    return value if value and _VALID.match(value) else new_id()


class RequestIdMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        request_id = accept(request.headers.get(HEADER))
        request.request_id = request_id
        # Left set until the response is closed (`request_finished`): Django logs the response's
        # status (django.request) after the middleware has returned.
        current.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _clear(**kwargs) -> None:
    current.set("")


request_finished.connect(_clear, dispatch_uid="core.requestid.clear")


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record (empty outside a request or job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = current.get()
        return True


def connect_celery_signals() -> None:
    """Publish the current id with each task; a worker runs the task under it."""
    from celery.signals import before_task_publish, task_postrun, task_prerun

    @before_task_publish.connect(weak=False)
    def _publish(headers=None, **kwargs) -> None:
        request_id = current.get()
        if request_id and headers is not None:
            headers.setdefault(TASK_HEADER, request_id)

    @task_prerun.connect(weak=False)
    def _prerun(task=None, **kwargs) -> None:
        request_id = getattr(task.request, TASK_HEADER, None) if task is not None else None
        current.set(accept(request_id) if request_id else "")

    @task_postrun.connect(weak=False)
    def _postrun(**kwargs) -> None:
        current.set("")
