"""Reads of the sample browser: the samples of the projects a user administers or leads, searched
and filtered, one page at a time, and one sample's history.

Pages are keyset pages (newest first, `id < before` or `id > after`), so page 20,000 costs what
page 1 costs; the total is counted up to `COUNT_CAP` and shown as "1,000+" beyond. Text search
matches an external id by prefix (a `varchar_pattern_ops` index on PostgreSQL) or the question by
full-text search (a GIN index on the conversation); SQLite falls back to a substring match.

Blindness holds here as everywhere: reviews of a sample are listed only when
`curation.access.unblinded_samples` includes it for this user.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

from annotators.models import Specialty
from core.errors import NotFound
from core.models import AuditEvent
from curation.access import browsable_projects, may_act_on_sample, unblinded_samples
from curation.models import Adjudication, Assignment, ConsensusLabel, Review, Sample
from exports.models import Export
from exports.selectors import export_samples

PAGE_SIZE = 50
COUNT_CAP = 1000
SEARCH_CONFIG = "english"
YES_NO = ("yes", "no")
VERDICTS = ("accept", "revise", "reject")
DISAGREEMENT = Q(status=Sample.Status.ADJUDICATION) | Q(final_source="adjudication")


@dataclass(frozen=True)
class SampleFilters:
    q: str = ""
    project: str = ""  # slug
    status: str = ""
    specialty: str = ""  # code
    quarantined: str = ""  # "yes" | "no" | ""
    gold: str = ""
    disagreement: str = ""
    verdict: str = ""

    @classmethod
    def from_query(cls, params) -> SampleFilters:
        values = {f.name: (params.get(f.name) or "").strip()[:200] for f in fields(cls)}
        return cls(**values)

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}


@dataclass(frozen=True)
class SamplePage:
    rows: list[Sample]
    total: int
    total_capped: bool
    before: int | None  # id to pass for the next (older) page
    after: int | None  # id to pass for the previous (newer) page


def question_vector() -> SearchVector:
    """The indexed expression of migration `0010_sample_browser` (keep the two identical)."""
    return SearchVector(Cast("messages", TextField()), config=SEARCH_CONFIG)


def _text(q: str) -> Q:
    if connection.vendor == "postgresql":
        return Q(external_id__startswith=q) | Q(
            _question=SearchQuery(q, config=SEARCH_CONFIG, search_type="plain")
        )
    return Q(external_id__startswith=q) | Q(_messages__icontains=q)


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def samples_filtered(user, filters: SampleFilters) -> QuerySet[Sample]:
    """The samples this user may browse that match the filters (unknown filter values match
    nothing, so a typo never widens the result)."""
    projects = browsable_projects(user)
    if filters.project:
        projects = projects.filter(slug=filters.project)
    # Resolved once: the page query then names its projects, and the planner sees them.
    qs = Sample.objects.filter(project_id__in=list(projects.values_list("pk", flat=True)))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.specialty:
        qs = qs.filter(specialty__code=filters.specialty)
    for name in ("quarantined", "gold"):
        value = getattr(filters, name)
        if value:
            flag = _yes_no(value)
            if flag is None:
                return qs.none()
            qs = qs.filter(**{"quarantined" if name == "quarantined" else "is_gold": flag})
    if filters.disagreement:
        flag = _yes_no(filters.disagreement)
        if flag is None:
            return qs.none()
        qs = qs.filter(DISAGREEMENT) if flag else qs.exclude(DISAGREEMENT)
    if filters.verdict:
        qs = qs.filter(final_verdict=filters.verdict)
    if filters.q:
        if connection.vendor == "postgresql":
            qs = qs.annotate(_question=question_vector())
        else:
            qs = qs.annotate(_messages=Cast("messages", TextField()))
        qs = qs.filter(_text(filters.q))
    return qs


def samples_page(
    user, filters: SampleFilters, *, before: int | None = None, after: int | None = None
) -> SamplePage:
    """One page of the filtered samples, newest first, by keyset on the id."""
    qs = samples_filtered(user, filters)
    page = qs.select_related("project", "specialty").only(
        "id",
        "external_id",
        "messages",
        "status",
        "quarantined",
        "is_gold",
        "final_verdict",
        "final_source",
        "reviews_done",
        "created_at",
        "project__name",
        "project__slug",
        "specialty__name",
    )
    if after is not None:
        rows = list(page.filter(id__gt=after).order_by("id")[: PAGE_SIZE + 1])
        newer = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        older = bool(rows)
    else:
        if before is not None:
            page = page.filter(id__lt=before)
        rows = list(page.order_by("-id")[: PAGE_SIZE + 1])
        older = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        newer = before is not None and bool(rows)
    total = qs.order_by()[: COUNT_CAP + 1].count()
    return SamplePage(
        rows=rows,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
        before=rows[-1].pk if rows and older else None,
        after=rows[0].pk if rows and newer else None,
    )


def filter_choices(user) -> dict:
    projects = browsable_projects(user).order_by("name")
    return {
        "projects": list(projects.values_list("slug", "name")),
        "statuses": list(Sample.Status.choices),
        "specialties": list(Specialty.objects.order_by("name").values_list("code", "name")),
        "verdicts": [(v, v.capitalize()) for v in VERDICTS],
    }


def sample_for_browser(user, sample_id) -> Sample:
    """One sample of a project the user administers or leads; the same 404 otherwise."""
    try:
        sample_id = int(sample_id)
    except (TypeError, ValueError):
        raise NotFound("Sample not found.")
    sample = (
        Sample.objects.filter(project__in=browsable_projects(user).values("pk"), pk=sample_id)
        .select_related("project", "specialty")
        .first()
    )
    if sample is None:
        raise NotFound("Sample not found.")
    return sample


def _exports_including(sample: Sample, limit: int = 20) -> list[Export]:
    """Finished exports of the project whose selection, as of their build, takes this sample."""
    found = []
    done = Export.objects.filter(project=sample.project, status=Export.Status.DONE)
    for export in done.order_by("-version")[:limit]:
        selected = export_samples(
            project=sample.project, format=export.format, spec=export.spec, as_of=export.created_at
        )
        if selected.filter(pk=sample.pk).exists():
            found.append(export)
    return found


def sample_history(user, sample: Sample) -> dict:
    """Everything the browser shows of one sample, with reviews only once unblinded for `user`."""
    unblinded = unblinded_samples(user).filter(pk=sample.pk).exists()
    reviews = Review.objects.filter(sample=sample).select_related("reviewer")
    return {
        "leases": list(
            Assignment.objects.filter(sample=sample)
            .select_related("reviewer")
            .order_by("-served_at", "-id")[:100]
        ),
        "unblinded": unblinded,
        "review_count": reviews.count(),
        "reviews": list(reviews.order_by("submitted_at", "id")) if unblinded else [],
        "consensus": ConsensusLabel.objects.filter(sample=sample).select_related("report").first(),
        "adjudication": Adjudication.objects.filter(sample=sample).select_related("lead").first(),
        "exports": _exports_including(sample),
        "events": list(
            AuditEvent.objects.filter(
                object_type="curation.sample", object_id=str(sample.pk)
            ).order_by("-id")[:50]
        ),
        "may_act": may_act_on_sample(user, sample),
        "show_content": not sample.quarantined or may_act_on_sample(user, sample),
    }
