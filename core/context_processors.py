"""What the navigation bar needs to know about the signed-in user, computed once per page."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject


def _nav(user) -> dict:
    if not user.is_authenticated:
        return {}
    physician = getattr(user, "physician", None)
    is_lead = bool(physician) and physician.memberships.filter(role="lead").exists()
    is_admin = user.is_staff or user.is_superuser
    return {
        "is_admin": is_admin,
        "is_lead": is_lead,
        "console": is_admin or user.administered_projects.exists(),
    }


def navigation(request) -> dict:
    return {"nav": SimpleLazyObject(lambda: _nav(request.user))}
