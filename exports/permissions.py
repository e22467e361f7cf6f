"""DRF permission classes for exports; the rules themselves live in `exports.access`."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from . import access
from .models import PipelineToken


class CanUseExports(BasePermission):
    """Staff, project administrators (for their projects) and live pipeline tokens (for theirs)."""

    message = "Exports are for administrators and pipeline tokens."

    def has_permission(self, request, view) -> bool:
        return access.can_use_exports(user=request.user, token=token_of(request))


def token_of(request) -> PipelineToken | None:
    return request.auth if isinstance(request.auth, PipelineToken) else None
