"""Console reads of physicians and cohorts: the lists, a physician's page and a cohort's page.

Staff only; every door answers the same 404 for missing and forbidden. Aggregates run in SQL,
one query per figure for all rows of a page.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from annotators.models import Cohort, CohortMembership, Physician, Specialty
from console.selectors import THROUGHPUT_DAYS, _count, _load, _per_day, _staff_only
from core.errors import NotFound
from core.models import AuditEvent
from curation.models import Project, Review


def physicians_for_console(
    user,
    *,
    q: str = "",
    status: str = "",
    verification: str = "",
    specialty: str = "",
    cohort: str = "",
    now: datetime | None = None,
) -> QuerySet[Physician]:
    """Physicians matching the search and filters, with today's load; staff only."""
    _staff_only(user)
    qs = Physician.objects.select_related("user").prefetch_related(
        "specialties",
        Prefetch(
            "memberships",
            queryset=CohortMembership.objects.select_related("cohort").order_by("cohort__name"),
        ),
    )
    for word in q.split():
        qs = qs.filter(
            Q(user__email__icontains=word)
            | Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(licence_number__icontains=word)
        )
    if status:
        qs = qs.filter(status=status)
    if verification:
        qs = qs.filter(verification=verification)
    if specialty:
        qs = qs.filter(specialties__code=specialty)
    if cohort:
        qs = qs.filter(memberships__cohort__slug=cohort)
    return _load(qs, now or timezone.now()).order_by(
        "user__last_name", "user__first_name", "user__email", "pk"
    )


def physician_for_console(user, physician_id) -> Physician:
    _staff_only(user)
    try:
        return (
            _load(Physician.objects.select_related("user", "verified_by"), timezone.now())
            .prefetch_related(
                "specialties",
                Prefetch(
                    "memberships",
                    queryset=CohortMembership.objects.select_related("cohort").order_by(
                        "cohort__name"
                    ),
                ),
            )
            .get(pk=int(physician_id))
        )
    except (Physician.DoesNotExist, TypeError, ValueError):
        raise NotFound("No such physician.")


def physician_activity(physician: Physician, limit: int = 25) -> list[AuditEvent]:
    """What the physician did, and what was done to their profile, newest first."""
    return list(
        AuditEvent.objects.filter(
            Q(actor_id=physician.user_id)
            | Q(object_type=Physician._meta.label_lower, object_id=str(physician.pk))
        ).order_by("-created_at", "-id")[:limit]
    )


def physician_reviews_by_project(physician: Physician) -> list[dict]:
    return list(
        Review.objects.filter(reviewer_id=physician.user_id)
        .values("project__name", "project__slug")
        .annotate(reviews=Count("id"))
        .order_by("project__name")
    )


# --- cohorts ----------------------------------------------------------------------------------


def cohorts_for_console(user, *, archived: bool | None = None) -> QuerySet[Cohort]:
    _staff_only(user)
    qs = Cohort.objects.annotate(
        members_count=_count(CohortMembership.objects.filter(cohort=OuterRef("pk")), "cohort"),
        leads_count=_count(
            CohortMembership.objects.filter(cohort=OuterRef("pk"), role=CohortMembership.Role.LEAD),
            "cohort",
        ),
        projects_count=_count(
            Project.cohorts.through.objects.filter(
                cohort_id=OuterRef("pk"), project__status=Project.Status.ACTIVE
            ),
            "cohort_id",
        ),
    )
    if archived is not None:
        qs = qs.filter(archived=archived)
    return qs.order_by("archived", "name")


def cohort_for_console(user, slug: str) -> Cohort:
    _staff_only(user)
    cohort = Cohort.objects.filter(slug=slug).first()
    if cohort is None:
        raise NotFound("No such cohort.")
    return cohort


def cohort_detail(cohort: Cohort, *, now: datetime | None = None) -> dict:
    """Members with their load, the specialties they cover, projects, and throughput."""
    now = now or timezone.now()
    members = list(
        CohortMembership.objects.filter(cohort=cohort)
        .select_related("physician__user")
        .prefetch_related("physician__specialties")
        .order_by("-role", "physician__user__last_name", "physician__user__email")
    )
    specialties = list(
        Specialty.objects.filter(physicians__memberships__cohort=cohort)
        .annotate(members=Count("physicians", distinct=True))
        .order_by("name")
    )
    projects = list(
        cohort.projects.exclude(status=Project.Status.ARCHIVED).order_by("status", "name")
    )
    reviews = Review.objects.filter(
        is_model=False,
        project__cohorts=cohort,
    ).filter(
        Exists(
            CohortMembership.objects.filter(
                cohort=cohort, physician__user_id=OuterRef("reviewer_id")
            )
        )
    )
    per_day = _per_day(reviews, key=None, now=now, days=THROUGHPUT_DAYS)
    return {
        "members": members,
        "specialties": specialties,
        "projects": projects,
        "per_day": per_day.get(None, per_day["__calendar__"]),
    }
