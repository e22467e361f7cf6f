"""Reads for the reviewer workflow, always scoped to the asking user.

A physician sees their own assignments and reviews only: never another physician's review of a
sample, nor who else reviewed it. Staff see every assignment, and others' reviews only as
`access.reviews_visible_to` allows. Missing and forbidden are the same 404.
"""

from __future__ import annotations

import functools
import statistics
from datetime import datetime

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from annotators.models import Physician
from core.errors import NotFound
from curation.access import assignments_visible_to, reviews_visible_to
from curation.models import Assignment, Project, Review
from curation.reviewing import eligibility


def _count(qs: QuerySet, group: str) -> Subquery:
    """A correlated COUNT(*) as a subquery (0 when nothing matches)."""
    counted = qs.order_by().values(group).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _physician_id(user) -> int | None:
    return Physician.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()


def projects_for_reviewer(user) -> QuerySet[Project]:
    """Projects open to the user (active or paused, through a live cohort), with their progress.

    Annotated with `my_done` (my reviews), `my_leased` (my live leases) and `remaining` (samples
    still needing reviews that I could be given).
    """
    now = timezone.now()
    physician_id = _physician_id(user)
    projects = Project.objects.filter(eligibility.PROJECT_VISIBLE.q()).select_related("rubric")
    if not user.is_staff:
        projects = projects.filter(
            eligibility.member_exists(project=OuterRef("pk"), physician_id=physician_id)
        )
    open_samples = eligibility.unseen(project=OuterRef("pk"), user_id=user.pk, gold=False)
    if physician_id is not None:
        matched = open_samples.filter(eligibility.specialty_q(physician_id))
    else:
        matched = open_samples
    return projects.annotate(
        my_done=_count(
            Review.objects.filter(project=OuterRef("pk"), reviewer_id=user.pk), "project"
        ),
        my_leased=_count(
            Assignment.objects.filter(
                project=OuterRef("pk"),
                reviewer_id=user.pk,
                status=Assignment.Status.LEASED,
                expires_at__gt=now,
            ),
            "project",
        ),
        remaining=Case(
            When(specialty_match=True, then=_count(matched, "project")),
            default=_count(open_samples, "project"),
            output_field=IntegerField(),
        ),
    ).order_by("name")


def project_for_member(user, slug: str) -> Project:
    """The project by slug if the user may work on it (no progress counts: cheap, for pulls).

    Hand-written SQL: it is asked on every pull, and building the ORM query with its membership
    subquery cost several times what running it does."""
    params = [slug, bool(user.is_staff), user.pk]
    found = list(Project.objects.raw(_project_for_member_sql(), params))
    if not found:
        raise NotFound("No such project.")
    return found[0]


@functools.cache
def _project_for_member_sql() -> str:
    """Visible projects (`PROJECT_VISIBLE`) the user reaches through a live cohort (staff: all)."""
    return PROJECT_FOR_MEMBER.format(
        project=Project._meta.db_table,
        visible=eligibility.PROJECT_VISIBLE.sql(Project, {"": "p"}),
        member=eligibility.member_sql(project="p.id", user="%s"),
    )


PROJECT_FOR_MEMBER = """
SELECT p.* FROM {project} p
WHERE p.slug = %s AND {visible} AND (%s OR {member})
"""


def project_for_reviewer(user, slug: str) -> Project:
    project = projects_for_reviewer(user).filter(slug=slug).first()
    if project is None:
        raise NotFound("No such project.")
    return project


def _assignments_visible(user) -> QuerySet[Assignment]:
    return assignments_visible_to(user).select_related(
        "project", "sample__specialty", "sample__project", "draft", "review"
    )


def assignment_for_user(user, assignment_id) -> Assignment:
    """The user's own assignment (any, for staff); NotFound otherwise."""
    try:
        return _assignments_visible(user).get(pk=int(assignment_id))
    except (Assignment.DoesNotExist, TypeError, ValueError):
        raise NotFound("No such assignment.")


def my_assignments(user, project: Project | None = None, status: str | None = None):
    """The user's assignments, newest first; `status="live"` means leased and not expired."""
    qs = Assignment.objects.select_related(
        "project", "sample__specialty", "sample__project", "draft", "review"
    ).filter(reviewer_id=user.pk)
    if project is not None:
        qs = qs.filter(project=project)
    if status == "live":
        qs = qs.filter(status=Assignment.Status.LEASED, expires_at__gt=timezone.now())
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("-served_at", "-id")


def _reviews_visible(user) -> QuerySet[Review]:
    """One's own reviews; staff also read others' once blindness allows (`access`)."""
    return (
        reviews_visible_to(user).select_related("project", "sample").prefetch_related("revisions")
    )


def my_reviews(user, project: Project | None = None) -> QuerySet[Review]:
    """My reviews, newest first, with what the list shows of each sample (its specialty)."""
    qs = _reviews_visible(user).select_related("sample__specialty").filter(reviewer_id=user.pk)
    if project is not None:
        qs = qs.filter(project=project)
    return qs.order_by("-submitted_at", "-id")


def review_for_user(user, review_id) -> Review:
    """The user's own review; NotFound otherwise (staff may read others' once unblinded)."""
    try:
        return _reviews_visible(user).get(pk=int(review_id))
    except (Review.DoesNotExist, TypeError, ValueError):
        raise NotFound("No such review.")


def _gold_match(review_grades: dict, gold: dict) -> tuple[int, int]:
    """(matching, compared) over the criteria the reference grades."""
    compared = matching = 0
    for key, expected in (gold or {}).items():
        if key in review_grades:
            compared += 1
            matching += review_grades[key] == expected
    return matching, compared


def reviewer_stats(user, project: Project | None = None, *, now: datetime | None = None) -> dict:
    """My numbers: reviews today and in total, median seconds per review, gold accuracy."""
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    reviews = Review.objects.filter(reviewer_id=user.pk)
    if project is not None:
        reviews = reviews.filter(project=project)
    counts = reviews.aggregate(
        total=Count("id"), today=Count("id", filter=Q(submitted_at__gte=start))
    )
    times = list(
        reviews.filter(time_on_task_ms__isnull=False)
        .order_by("-submitted_at")
        .values_list("time_on_task_ms", flat=True)[:1000]
    )
    median = statistics.median(times) / 1000 if times else None
    matching = compared = scored = 0
    gold = reviews.filter(sample__is_gold=True).values_list("grades", "sample__gold_grades")
    for grades, reference in gold.iterator(chunk_size=500):
        m, c = _gold_match(grades or {}, reference or {})
        if c:
            scored += 1
            matching += m
            compared += c
    return {
        "today": counts["today"],
        "total": counts["total"],
        "median_seconds": round(median, 1) if median is not None else None,
        "gold_accuracy": round(matching / compared, 3) if compared else None,
        "gold_scored": scored,
    }
