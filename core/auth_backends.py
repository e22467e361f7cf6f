"""Login throttling: django-axes locks out repeated failed sign-ins per user and address."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' lockout check, skipped for programmatic sign-ins that carry no request.

    Web and API sign-ins always pass the request and are throttled; `authenticate()` called
    from a shell or a test client login has no client address to throttle by.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
