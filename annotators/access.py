"""Who may act as whom, as far as people are concerned: standing, staff and leads.

Every rule is a predicate here, with the queryset it implies; permission classes, view guards,
selectors and the navigation bar call these and never test `is_staff` or a role by hand.
A physician who is suspended, not verified or not active keeps their own history but loses every
lead and admin power at once: these predicates read the database on each request, so an open
session or a personal token carries nothing over.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from .models import CohortMembership, Physician


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def standing_refusal(user) -> str | None:
    """Why this account may not use lead or admin powers now; None when it may.

    A user without a physician profile (an administrator) stands on their account alone; a
    physician also needs to be active and verified (a model grader never leads or administers).
    """
    if not _signed_in(user):
        return "Sign in with an active account."
    physician = (
        Physician.objects.filter(user_id=user.pk).only("status", "verification", "is_model").first()
    )
    if physician is None:
        return None
    if physician.status == Physician.Status.SUSPENDED:
        return "Your account is suspended; lead and admin actions are closed to you."
    if physician.is_model:
        return "Model graders cannot lead or administer."
    if physician.verification != Physician.Verification.VERIFIED:
        return "Your credentials are not verified; lead and admin actions are closed to you."
    if physician.status != Physician.Status.ACTIVE:
        return "Your account is not active yet; lead and admin actions are closed to you."
    return None


def in_good_standing(user) -> bool:
    return standing_refusal(user) is None


def is_admin(user) -> bool:
    """A Rounds administrator (staff or superuser) in good standing."""
    return bool(
        _signed_in(user) and (user.is_staff or user.is_superuser) and in_good_standing(user)
    )


def lead_memberships(user) -> QuerySet[CohortMembership]:
    """The user's lead seats in live cohorts, only while they stand (suspended leads have none)."""
    if not in_good_standing(user):
        return CohortMembership.objects.none()
    return CohortMembership.objects.filter(
        physician__user_id=user.pk,
        role=CohortMembership.Role.LEAD,
        cohort__archived=False,
    )


def holds_lead_seat(user) -> bool:
    """A lead seat in a live cohort, whatever the user's standing (to say why they are refused)."""
    return bool(
        _signed_in(user)
        and CohortMembership.objects.filter(
            physician__user_id=user.pk, role=CohortMembership.Role.LEAD, cohort__archived=False
        ).exists()
    )


def page_guard(allowed: Callable[[object], bool], message: str) -> Callable:
    """A view decorator: signed-out users go to sign in; anyone `allowed` refuses gets 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


admin_required = page_guard(is_admin, "This page is for admins.")
