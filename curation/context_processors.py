"""What the navigation bar needs to know about the signed-in user, computed once per page.

It lives in `curation`, the highest app whose rules it reads (leads and project admins); `core`
knows nothing of the apps.
"""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from annotators.access import is_admin

from . import access


def _nav(user) -> dict:
    if not user.is_authenticated:
        return {}
    return {
        "is_admin": is_admin(user),
        "is_lead": access.is_lead(user),
        "adjudication": access.may_read_adjudication(user),
        "console": access.can_use_console(user),
        "samples": access.may_browse_samples(user),
    }


def navigation(request) -> dict:
    return {"nav": SimpleLazyObject(lambda: _nav(request.user))}
