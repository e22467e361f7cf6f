"""Reads for the admin console: who may use it, project progress, workload and the audit log.

Who may look: staff see everything; a project admin (a user in `Project.admins`) sees the
projects they run and nothing about physicians or cohorts. Every door answers the same 404 for
missing and forbidden. Aggregates run in SQL, one query per figure for all rows of a page.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from annotators.access import is_admin
from annotators.models import Physician, Specialty
from core.errors import NotFound
from core.models import AuditEvent
from curation.access import administered_projects
from curation.models import Assignment, Project, Review, Sample
from curation.models.review import SkipReason

THROUGHPUT_DAYS = 14
SKIP_LABELS = dict(SkipReason.choices)


class Median(Aggregate):
    """PostgreSQL's exact median."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _count(qs: QuerySet, group: str) -> Coalesce:
    counted = qs.order_by().values(group).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def start_of_day(now: datetime | None = None) -> datetime:
    now = now or timezone.now()
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _days(now: datetime, days: int) -> list[date]:
    today = timezone.localdate(now)
    return [today - timedelta(days=days - 1 - i) for i in range(days)]


# --- projects ---------------------------------------------------------------------------------


def _progress(project_ids: list[int]) -> dict[int, dict]:
    """Regular samples per project: settled, in review (touched, not settled), untouched."""
    touched = (
        Q(reviews_done__gt=0)
        | ~Q(status=Sample.Status.OPEN)
        | Q(slots_open__lt=F("project__overlap"))
    )
    rows = (
        Sample.objects.filter(project_id__in=project_ids, is_gold=False)
        .values("project_id")
        .annotate(
            total=Count("id"),
            settled=Count("id", filter=Q(status=Sample.Status.SETTLED)),
            in_review=Count("id", filter=~Q(status=Sample.Status.SETTLED) & touched),
            adjudication=Count("id", filter=Q(status=Sample.Status.ADJUDICATION)),
            in_quarantine=Count("id", filter=Q(quarantined=True)),
            open_places=Coalesce(
                Sum(
                    "slots_open",
                    filter=Q(status=Sample.Status.OPEN, quarantined=False),
                ),
                0,
            ),
        )
        .order_by()
    )
    out = {}
    for row in rows:
        row["untouched"] = row["total"] - row["settled"] - row["in_review"]
        out[row.pop("project_id")] = row
    return out


def _per_day(reviews: QuerySet, *, key: str | None, now: datetime, days: int) -> dict:
    """{key value: [(day, count)] over the last `days` days, zeros included}."""
    fields = ["day", key] if key else ["day"]
    rows = (
        reviews.filter(submitted_at__gte=start_of_day(now) - timedelta(days=days - 1))
        .annotate(day=TruncDate("submitted_at"))
        .values(*fields)
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict = defaultdict(dict)
    for row in rows:
        counts[row[key] if key else None][row["day"]] = row["n"]
    calendar = _days(now, days)
    return {k: [(d, by_day.get(d, 0)) for d in calendar] for k, by_day in counts.items()} | {
        "__calendar__": [(d, 0) for d in calendar]
    }


def _medians(project_ids: list[int]) -> dict[int, float]:
    """Median seconds per physician review, per project."""
    reviews = Review.objects.filter(
        project_id__in=project_ids, is_model=False, time_on_task_ms__isnull=False
    ).order_by()
    if connection.vendor == "postgresql":
        rows = reviews.values("project_id").annotate(m=Median("time_on_task_ms"))
        return {r["project_id"]: r["m"] / 1000 for r in rows}
    times: dict[int, list[int]] = defaultdict(list)
    for pid, ms in reviews.values_list("project_id", "time_on_task_ms").iterator(chunk_size=2000):
        times[pid].append(ms)
    return {pid: statistics.median(v) / 1000 for pid, v in times.items()}


def _skips(project_ids: list[int]) -> dict[int, list[dict]]:
    rows = (
        Assignment.objects.filter(project_id__in=project_ids, status=Assignment.Status.SKIPPED)
        .values("project_id", "skip_reason")
        .annotate(n=Count("id"))
        .order_by("project_id", "-n", "skip_reason")
    )
    out: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        reason = row["skip_reason"]
        out[row["project_id"]].append(
            {"reason": reason, "label": SKIP_LABELS.get(reason, reason), "n": row["n"]}
        )
    return out


def _live_leases(project_ids: list[int], now: datetime) -> dict[int, int]:
    rows = (
        Assignment.objects.filter(
            project_id__in=project_ids, status=Assignment.Status.LEASED, expires_at__gt=now
        )
        .values("project_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["project_id"]: r["n"] for r in rows}


def _overview(projects: list[Project], now: datetime) -> list[dict]:
    ids = [p.pk for p in projects]
    progress = _progress(ids)
    reviews = Review.objects.filter(project_id__in=ids, is_model=False)
    per_day = _per_day(reviews, key="project_id", now=now, days=THROUGHPUT_DAYS)
    medians = _medians(ids)
    skips = _skips(ids)
    leases = _live_leases(ids, now)
    empty = {
        "total": 0,
        "settled": 0,
        "in_review": 0,
        "untouched": 0,
        "adjudication": 0,
        "in_quarantine": 0,
        "open_places": 0,
    }
    return [
        {
            "project": p,
            "progress": progress.get(p.pk, empty),
            "per_day": per_day.get(p.pk, per_day["__calendar__"]),
            "median_seconds": medians.get(p.pk),
            "skips": skips.get(p.pk, []),
            "skips_total": sum(s["n"] for s in skips.get(p.pk, [])),
            "live_leases": leases.get(p.pk, 0),
        }
        for p in projects
    ]


def projects_overview(user, *, now: datetime | None = None) -> list[dict]:
    """Every project the user runs, with progress, throughput, median time, skips and queue."""
    projects = list(
        administered_projects(user).exclude(status=Project.Status.ARCHIVED).order_by("name")
    )
    return _overview(projects, now or timezone.now())


def project_for_console(user, slug: str) -> Project:
    """The one door to a project in the console: missing and not-yours are the same 404."""
    project = (
        administered_projects(user)
        .select_related("rubric")
        .prefetch_related("cohorts")
        .filter(slug=slug)
        .first()
    )
    if project is None:
        raise NotFound("No such project.")
    return project


def project_detail(project: Project, *, now: datetime | None = None) -> dict:
    """The overview of one project, plus its samples by specialty and its busiest reviewers."""
    now = now or timezone.now()
    overview = _overview([project], now)[0]
    overview["by_specialty"] = list(
        Sample.objects.filter(project=project, is_gold=False)
        .values("specialty__name")
        .annotate(
            total=Count("id"),
            settled=Count("id", filter=Q(status=Sample.Status.SETTLED)),
            open_places=Coalesce(
                Sum("slots_open", filter=Q(status=Sample.Status.OPEN, quarantined=False)), 0
            ),
        )
        .order_by("specialty__name")
    )
    overview["reviewers"] = list(
        Review.objects.filter(project=project, is_model=False)
        .values("reviewer_id", "reviewer__first_name", "reviewer__last_name", "reviewer__email")
        .annotate(
            reviews=Count("id"),
            today=Count("id", filter=Q(submitted_at__gte=start_of_day(now))),
            physician_id=F("reviewer__physician__id"),
        )
        .order_by("-reviews", "reviewer_id")[:25]
    )
    return overview


# --- physicians -------------------------------------------------------------------------------


def _load(qs: QuerySet[Physician], now: datetime) -> QuerySet[Physician]:
    return qs.annotate(
        reviews_today=_count(
            Review.objects.filter(
                reviewer_id=OuterRef("user_id"), submitted_at__gte=start_of_day(now), is_model=False
            ),
            "reviewer_id",
        ),
        live_leases=_count(
            Assignment.objects.filter(
                reviewer_id=OuterRef("user_id"),
                status=Assignment.Status.LEASED,
                expires_at__gt=now,
            ),
            "reviewer_id",
        ),
    )


def _staff_only(user) -> None:
    if not is_admin(user):
        raise NotFound("Not found.")


# --- workload ---------------------------------------------------------------------------------


def workload(user, *, now: datetime | None = None) -> dict:
    """Each reviewing physician's load today, and open places in the queue by specialty."""
    _staff_only(user)
    now = now or timezone.now()
    physicians = list(
        _load(
            Physician.objects.filter(is_model=False)
            .exclude(status=Physician.Status.SUSPENDED)
            .select_related("user")
            .prefetch_related("specialties"),
            now,
        ).order_by("-reviews_today", "user__last_name", "user__email")[:500]
    )
    queue = {
        row["specialty_id"]: row
        for row in Sample.objects.filter(
            project__status=Project.Status.ACTIVE,
            status=Sample.Status.OPEN,
            quarantined=False,
            is_gold=False,
            slots_open__gt=0,
        )
        .values("specialty_id")
        .annotate(samples=Count("id"), slots=Sum("slots_open"))
        .order_by()
    }
    reviewers = dict(
        Specialty.objects.annotate(
            n=Count(
                "physicians",
                filter=Q(
                    physicians__status=Physician.Status.ACTIVE,
                    physicians__verification=Physician.Verification.VERIFIED,
                    physicians__is_model=False,
                ),
            )
        ).values_list("pk", "n")
    )
    names = dict(Specialty.objects.filter(pk__in=[k for k in queue if k]).values_list("pk", "name"))
    depth = [
        {
            "specialty": names.get(pk, "No specialty") if pk else "No specialty",
            "samples": row["samples"],
            "slots": row["slots"],
            "reviewers": reviewers.get(pk) if pk else None,
        }
        for pk, row in queue.items()
    ]
    depth.sort(key=lambda r: (-r["slots"], r["specialty"]))
    projects = list(
        Project.objects.filter(status__in=[Project.Status.ACTIVE, Project.Status.PAUSED]).order_by(
            "name"
        )
    )
    return {"physicians": physicians, "queue": depth, "projects": projects}


# --- the audit log ----------------------------------------------------------------------------


def _actor_matches(text: str) -> Q:
    """Who: part of an e-mail, or a name ("Ada", "Ada Admin"); "Rounds" for automatic events."""
    words = Q()
    for word in text.split():
        words &= Q(actor__first_name__icontains=word) | Q(actor__last_name__icontains=word)
    match = Q(actor_label__icontains=text) | words
    if text.lower() in {"rounds", "system", "automatic"}:
        match |= Q(actor__isnull=True)
    return match


def audit_events(
    user,
    *,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """The audit log, newest first, filtered; staff only."""
    _staff_only(user)
    qs = AuditEvent.objects.select_related("actor")
    if actor:
        qs = qs.filter(_actor_matches(actor.strip()))
    if action:
        qs = qs.filter(action__startswith=action.strip())
    if object_type:
        qs = qs.filter(object_type=object_type.strip())
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs.order_by("-created_at", "-id")


def own_activity(user) -> QuerySet[AuditEvent]:
    """A physician's own events, and what admins did to their profile, newest first."""
    physician_id = Physician.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()
    about_me = (
        Q(object_type=Physician._meta.label_lower, object_id=str(physician_id))
        if physician_id
        else Q(pk__in=[])
    )
    return (
        AuditEvent.objects.filter(Q(actor_id=user.pk) | about_me)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
