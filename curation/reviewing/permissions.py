"""Who may do what in the reviewer workflow API, in one place."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from core.errors import DomainError
from curation import access
from curation.reviewing.assignment import physician_for_review


class IsPhysicianOrStaff(BasePermission):
    """Reads: any signed-in physician (even suspended, to see their own history) or staff."""

    message = "Only physicians and staff can use the review API."

    def has_permission(self, request, view) -> bool:
        return access.may_use_review_api(request.user)


class IsActivePhysician(BasePermission):
    """Writes (pull, submit, skip, amend, draft): a verified, active physician, not a model.

    The denial says why (suspended, not verified, not yet active), so the reviewer knows what to
    do; the services apply the same rule again, so no door can skip it.
    """

    message = "Only active, verified physicians can review samples."
    code = "not_allowed"

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        try:
            physician_for_review(user)
        except DomainError as exc:
            self.message = exc.message
            return False
        return True
