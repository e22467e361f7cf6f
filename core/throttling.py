"""API rate limits: each API token (personal or pipeline) has its own budget; sessions per user."""

from __future__ import annotations

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
