"""Maps the one application error to HTTP, in one place."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from .errors import DomainError

log = logging.getLogger(__name__)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, OperationalError | InterfaceError):
        # The database went away mid-request (a restart, a failover): tell the client to retry.
        # Writes are idempotent by client key, so a retry never doubles what did commit.
        log.warning("database unavailable during %s: %s", type(context.get("view")).__name__, exc)
        set_rollback()
        message = "The database is unavailable for a moment; retry the same request shortly."
        body = {"detail": message, "errors": [{"message": message, "code": "unavailable"}]}
        return Response(body, status=503, headers={"Retry-After": "2"})
    return drf_exception_handler(exc, context)
