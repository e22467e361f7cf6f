"""Login throttling: django-axes per account and address, and core.throttling per address."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied

from .throttling import address_locked_out


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' lockout check, then the address-wide one; skipped for programmatic sign-ins.

    Web and API sign-ins always pass the request and are throttled; `authenticate()` called
    from a shell or a test client login has no client address to throttle by.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        super().authenticate(request, username=username, password=password, **kwargs)
        if address_locked_out(request):
            # The same answer as an account lockout: axes' middleware renders it (429).
            request.axes_locked_out = True
            raise AxesBackendPermissionDenied("too many failed sign-ins from this address")
        return None
