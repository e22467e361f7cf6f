"""Reads for exports: the samples a spec selects, their reviews and consensus, and who sees what."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import orjson
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast

from annotators.models import Physician
from core.errors import NotFound
from curation.models import Project, Review, Sample

from .access import projects_for_actor
from .models import DatasetFormat, Export, PipelineToken

# ---------------------------------------------------------------- who may see which exports


def exports_for_actor(*, user, token: PipelineToken | None) -> QuerySet[Export]:
    return Export.objects.filter(
        project__in=projects_for_actor(user=user, token=token)
    ).select_related("project", "created_by", "created_by_token")


def export_for_actor(*, user, token: PipelineToken | None, export_id: int) -> Export:
    """The same 404 for an export that does not exist and one the caller may not see."""
    export = exports_for_actor(user=user, token=token).filter(pk=export_id).first()
    if export is None:
        raise NotFound("No such export.")
    return export


def project_for_actor(*, user, token: PipelineToken | None, slug: str) -> Project:
    project = (
        projects_for_actor(user=user, token=token)
        .select_related("rubric")
        .filter(slug=slug)
        .first()
    )
    if project is None:
        raise NotFound(f"No such project: {slug}.")
    return project


def export_latest(
    *, user, token: PipelineToken | None, slug: str, format: str, file_format: str | None
) -> Export:
    project = project_for_actor(user=user, token=token, slug=slug)
    exports = Export.objects.filter(project=project, format=format, status=Export.Status.DONE)
    if file_format:
        exports = exports.filter(file_format=file_format)
    export = exports.select_related("project").order_by("-version").first()
    if export is None:
        raise NotFound(f"No built {format} export for project {slug}.")
    return export


# ---------------------------------------------------------------- what a build reads


def physician_reviews() -> QuerySet[Review]:
    """Reviews by physicians: model graders never count and never appear as reviewers."""
    return Review.objects.filter(is_model=False).exclude(reviewer__physician__is_model=True)


def _correction_exists(*, differs_from_original: bool) -> Exists:
    corrections = physician_reviews().filter(
        sample=OuterRef("pk"), verdict="revise", corrected_answer__gt=""
    )
    if differs_from_original:
        corrections = corrections.exclude(corrected_answer=OuterRef("answer"))
    return Exists(corrections)


def _eligible(format: str) -> Q:
    """Samples that yield a row of `format` (in SQL, so split counts are exact)."""
    adjudicated = Q(final_source="adjudication") & ~Q(final_answer="")
    if format == DatasetFormat.SFT:
        return (
            adjudicated
            | Q(final_verdict="accept")
            | (
                Q(final_verdict="revise")
                & (~Q(final_answer="") | _correction_exists(differs_from_original=False))
            )
        )
    if format == DatasetFormat.PREFERENCE:
        return (
            (adjudicated | (Q(final_verdict="revise") & ~Q(final_answer="")))
            & ~Q(final_answer=F("answer"))
        ) | (
            Q(final_verdict="revise")
            & Q(final_answer="")
            & _correction_exists(differs_from_original=True)
        )
    return Q()


def export_samples(*, project: Project, format: str, spec: dict, as_of: dt.datetime) -> QuerySet:
    """The samples a spec selects (never quarantined ones)."""
    filters = spec["filters"]
    samples = Sample.objects.filter(project=project, quarantined=False)
    if filters["settled_only"]:
        samples = samples.filter(status=Sample.Status.SETTLED, settled_at__lte=as_of)
    if filters["verdicts"]:
        samples = samples.filter(final_verdict__in=filters["verdicts"])
    if filters["specialties"]:
        samples = samples.filter(specialty__code__in=filters["specialties"])
    if filters["settled_from"]:
        samples = samples.filter(settled_at__date__gte=filters["settled_from"])
    if filters["settled_to"]:
        samples = samples.filter(settled_at__date__lte=filters["settled_to"])
    if filters["min_confidence"] is not None:
        # Where the agreement job stored a consensus, filter in SQL (split counts stay exact);
        # samples without one are checked on the reviews while building.
        samples = samples.exclude(consensus__min_confidence__lt=filters["min_confidence"])
    if filters["gold"] == "exclude":
        samples = samples.filter(is_gold=False)
    elif filters["gold"] == "only":
        samples = samples.filter(is_gold=True)
    return samples.filter(_eligible(format))


def export_sample_rows(
    samples: QuerySet, *, format: str, with_grades: bool = False, in_sql_reviewers: bool = False
) -> QuerySet:
    """The selected samples as tuples in a stable order; stream them with `.iterator()`.

    Fields 0-7: id, external id, specialty code, messages (JSON text), answer, final verdict,
    final answer, final source; with `in_sql_reviewers` (array subqueries, PostgreSQL) the
    physicians' user ids and, `with_grades`, their grades (JSON text) in the same order; then,
    `with_grades`, the final grades and the agreement job's confidence (JSON text) and minimum
    confidence. Ordered by external id, which the (project, external id) index yields.
    """
    fields = [
        "id",
        "external_id",
        "specialty__code",
        "messages_text",
        "answer",
        "final_verdict",
        "final_answer",
        "final_source",
    ]
    with_grades = with_grades or format == DatasetFormat.GRADED
    if in_sql_reviewers:
        fields.append("reviewer_ids")
        if with_grades:
            fields.append("review_grades")
    if with_grades:
        # The agreement job's consensus label, where it ran: model-based confidence per criterion.
        fields += ["final_grades_text", "label_confidence_text", "consensus__min_confidence"]
    # JSON columns come back as text and are parsed with orjson: the JSONField decoder is slow.
    samples = samples.annotate(messages_text=Cast("messages", TextField()))
    if in_sql_reviewers:
        reviewers = (
            Review.objects.filter(sample=OuterRef("pk"), is_model=False)
            .order_by("reviewer_id")
            .values("reviewer_id")
        )
        samples = samples.annotate(reviewer_ids=ArraySubquery(reviewers))
        if with_grades:
            grades = (
                Review.objects.filter(sample=OuterRef("pk"), is_model=False)
                .order_by("reviewer_id")
                .values(text=Cast("grades", TextField()))
            )
            samples = samples.annotate(review_grades=ArraySubquery(grades))
    if "final_grades_text" in fields:
        samples = samples.annotate(
            final_grades_text=Cast("final_grades", TextField()),
            label_confidence_text=Cast("consensus__confidence", TextField()),
        )
    # The (project, external id) unique index yields this order: no sort, nothing spilled.
    return samples.order_by("external_id").values_list(*fields)


def estimated_count(samples: QuerySet) -> int:
    """The planner's row estimate (PostgreSQL) or an exact count: a progress bar's total."""
    if connection.vendor != "postgresql":
        return samples.count()
    sql, params = samples.values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = orjson.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def stratum_counts(samples: QuerySet) -> dict[str | None, int]:
    """Rows per specialty code (None for samples without one), for the stratified split."""
    rows = samples.values("specialty__code").annotate(n=Count("id")).order_by()
    return {row["specialty__code"]: row["n"] for row in rows}


class SampleReviews:
    """What a batch of samples' physician reviews contribute to their rows."""

    __slots__ = ("reviewer_ids", "corrections", "grades")

    def __init__(self) -> None:
        self.reviewer_ids: list[int] = []
        self.corrections: dict[str, int] = {}  # answer -> votes, in submission order
        self.grades: list[dict] = []

    def best_correction(self, *, other_than: str | None = None) -> str | None:
        """The most common correction; ties go to the earliest submitted."""
        best, votes = None, 0
        for answer, count in self.corrections.items():
            if answer != other_than and count > votes:
                best, votes = answer, count
        return best


def corrections_for_samples(sample_ids: list[int]) -> dict[int, SampleReviews]:
    """Physicians' corrections of a few samples (those whose consensus kept none itself)."""
    out: dict[int, SampleReviews] = defaultdict(SampleReviews)
    if not sample_ids:
        return out
    rows = (
        physician_reviews()
        .filter(sample_id__in=sample_ids, verdict="revise", corrected_answer__gt="")
        .order_by("sample_id", "submitted_at", "id")
        .values_list("sample_id", "corrected_answer")
    )
    for sample_id, answer in rows:
        entry = out[sample_id]
        entry.corrections[answer] = entry.corrections.get(answer, 0) + 1
    return out


def model_grader_ids() -> set[int]:
    """Accounts of model graders (few): their reviews are never read into an export."""
    return set(Physician.objects.filter(is_model=True).values_list("user_id", flat=True))


def reviews_for_samples(
    sample_ids: list[int], *, with_grades: bool, skip_reviewers: frozenset[int]
) -> dict[int, SampleReviews]:
    """One query per batch (where the row query cannot carry them, e.g. SQLite): reviewer ids,
    corrections and (for graded) grades per sample, physicians only."""
    fields = ["sample_id", "reviewer_id", "verdict", "corrected_answer"]
    if with_grades:
        fields.append("grades")
    rows = (
        Review.objects.filter(is_model=False, sample_id__in=sample_ids)
        .order_by("sample_id", "reviewer_id")
        .values_list(*fields)
    )
    out: dict[int, SampleReviews] = defaultdict(SampleReviews)
    for row in rows.iterator(chunk_size=20_000):
        if row[1] in skip_reviewers:
            continue
        entry = out[row[0]]
        entry.reviewer_ids.append(row[1])
        if row[2] == "revise" and row[3]:
            entry.corrections[row[3]] = entry.corrections.get(row[3], 0) + 1
        if with_grades:
            entry.grades.append(row[4] or {})
    return out


# ---------------------------------------------------------------- pipeline tokens


def pipeline_tokens_for_admin(user) -> QuerySet[PipelineToken]:
    """Every pipeline token, for staff (who alone create them); none for anyone else."""
    if not (user.is_authenticated and (user.is_staff or user.is_superuser)):
        return PipelineToken.objects.none()
    return (
        PipelineToken.objects.select_related("created_by")
        .prefetch_related("projects")
        .order_by("-created_at", "-id")
    )


def pipeline_token_for_admin(user, token_id: int) -> PipelineToken:
    token = pipeline_tokens_for_admin(user).filter(pk=token_id).first()
    if token is None:
        raise NotFound("No such token.")
    return token
