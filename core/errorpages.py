"""Error pages in the product's look, the same under every settings module.

Without DEBUG, Django calls the handlers named in `config.urls` (`handler400` ... `handler500`),
which render `templates/400.html` ... `500.html`; a CSRF failure renders `403_csrf.html`.
With DEBUG on (local development and the demo), Django would show its technical pages instead:
the 404 lists every URL pattern, the 500 the settings and a traceback. `ErrorPagesMiddleware`
answers those with the product's pages too, so a newcomer never meets them and a demo never
lists its URLs. A developer who wants Django's technical pages sets `TECHNICAL_ERROR_PAGES=1`
(honoured only together with DEBUG); the traceback of a 500 is logged either way.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

log = logging.getLogger("django.request")


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _json(status: int, message: str, code: str) -> JsonResponse:
    body = {"detail": message, "errors": [{"message": message, "code": code}]}
    return JsonResponse(body, status=status)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """Unknown URL or missing object; under /api/ the same JSON shape as every API error."""
    if _api(request):
        return _json(404, "Not found.", "not_found")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _api(request):
        return _json(500, "Something went wrong on our side; it has been logged.", "server_error")
    return defaults.server_error(request)


def _technical() -> bool:
    return settings.DEBUG and getattr(settings, "TECHNICAL_ERROR_PAGES", False)


class ErrorPagesMiddleware:
    """With DEBUG on, the product's 404 and 500 pages instead of Django's technical ones.

    Sits before CommonMiddleware, so an APPEND_SLASH redirect is decided before a 404 is
    replaced. Does nothing without DEBUG: Django's own handlers already use the product pages.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and not _technical()
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
        ):
            # No URL pattern matched: Django's technical 404 (the list of patterns) was built.
            return page_not_found(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not settings.DEBUG or _technical():
            return None
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if not _handled_by_django(exception):
            log.error(
                "Internal Server Error: %s",
                request.path,
                exc_info=exception,
                extra={"status_code": 500, "request": request},
            )
            return server_error(request)
        return None


def _handled_by_django(exception: Exception) -> bool:
    """Errors Django answers the same with or without DEBUG (403, 400): leave them to it."""
    from django.core.exceptions import (
        BadRequest,
        PermissionDenied,
        RequestDataTooBig,
        SuspiciousOperation,
        TooManyFieldsSent,
    )

    return isinstance(
        exception,
        PermissionDenied | BadRequest | SuspiciousOperation | RequestDataTooBig | TooManyFieldsSent,
    )
