"""Rate limits.

API: each API token (personal or pipeline) has its own budget; sessions per user.

Sign-in: django-axes locks an account after LOGIN_FAILURE_LIMIT failures from one address (per
account and address). That alone never slows one address trying a few passwords on each of many
accounts (credential stuffing), so an address is also locked out once it has
LOGIN_IP_FAILURE_LIMIT failed sign-ins, across all accounts, within the cool-off
(LOGIN_COOLOFF_HOURS). The count is read from axes' own attempt records, so it holds across
gunicorn workers and hosts.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        token = request.auth
        if token is not None and getattr(token, "pk", None) is not None:
            ident = f"{token._meta.label_lower}:{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            return None  # anonymous requests fall to the anon throttle
        return self.cache_format % {"scope": self.scope, "ident": ident}


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address the
    nearest of them saw (each appends to X-Forwarded-For; anything further left is the client's
    word and can be forged)."""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if proxies > 0:
        chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        chain = [a for a in chain if a]
        if len(chain) >= proxies:
            return chain[-proxies]
    return request.META.get("REMOTE_ADDR")


def address_failures(address: str | None) -> int:
    """Failed sign-ins from `address` within the cool-off, over every account tried."""
    if not address:
        return 0
    from axes.models import AccessAttempt

    since = timezone.now() - timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    total = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return total or 0


def address_locked_out(request: HttpRequest) -> bool:
    limit = int(getattr(settings, "LOGIN_IP_FAILURE_LIMIT", 0))
    return limit > 0 and address_failures(client_ip(request)) >= limit
