"""Who may do what with exports, in one place."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from .models import PipelineToken


class CanUseExports(BasePermission):
    """Staff, project administrators (for their projects) and live pipeline tokens (for theirs).

    Which exports each of them sees is the selectors' job; this says who may knock at all.
    """

    message = "Exports are for administrators and pipeline tokens."

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, PipelineToken):
            return request.auth.revoked_at is None
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.is_staff or user.administered_projects.exists()


def token_of(request) -> PipelineToken | None:
    return request.auth if isinstance(request.auth, PipelineToken) else None
