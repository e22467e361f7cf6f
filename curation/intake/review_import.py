"""The review import: historical reviews a lab already has, validated like any review.

JSONL (or a JSON array), one review a line:

    {"sample_id": "s-001", "physician": "alice@lab.org", "grades": {"accurate": true},
     "verdict": "revise", "correction": "...", "rationale": "...",
     "submitted_at": "2025-03-01T10:00:00Z"}

The whole file is checked and written in one transaction: any error (reported with file, line
and field, up to 50 at once) and nothing is written. Re-importing the same file changes nothing
("N unchanged"); a changed review of the same physician and sample becomes a new revision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower

from annotators.models import Physician
from core import jsonsafe
from core.audit import audit_record
from core.errors import DomainError
from core.ingest import (
    ErrorCollector,
    batched,
    check_field_sizes,
    detect_format,
    open_source,
    peek,
    submitted_at_parse,
)
from core.records import iter_records
from curation.criteria.grade_import import CriteriaGradeImporter, is_criteria_line
from curation.models import Project, Review, Sample
from curation.reviewing.reviews import review_record

if TYPE_CHECKING:
    from curation.comparisons.review_import import JudgmentImportResult

REQUIRED = ("sample_id", "physician", "grades", "verdict")
OPTIONAL = (
    "correction",
    "corrected_answer",
    "rationale",
    "submitted_at",
    "flags",
    "external_ref",
    "id",
)
BATCH = 500


@dataclass
class ReviewImportResult:
    project: str
    created: int = 0
    amended: int = 0
    unchanged: int = 0
    criterion_grades: int = 0

    @property
    def total(self) -> int:
        return self.created + self.amended + self.unchanged

    def summary(self) -> str:
        grades = f" ({self.criterion_grades} criterion grades)" if self.criterion_grades else ""
        return (
            f"{self.total} reviews for {self.project}{grades}: {self.created} created, "
            f"{self.amended} amended, {self.unchanged} unchanged."
        )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _shape(data: Any, *, line: int, errors: ErrorCollector) -> dict | None:
    """The record's own checks (before any lookup); None when it cannot be used."""
    if not isinstance(data, dict):
        errors.add("must be a JSON object (one review)", line=line)
        return None
    ok = True
    for name in REQUIRED:
        if data.get(name) in (None, ""):
            errors.add("is required", field=name, line=line, code="required")
            ok = False
    for name in ("sample_id", "physician", "verdict"):
        if data.get(name) not in (None, "") and not isinstance(data[name], str):
            errors.add("must be a string", field=name, line=line)
            ok = False
    known = set(REQUIRED) | set(OPTIONAL)
    for name in data:
        if name not in known:
            errors.add(
                "is not a field of a review record (expected "
                + ", ".join((*REQUIRED, *OPTIONAL))
                + ")",
                field=name,
                line=line,
                code="unknown",
            )
            ok = False
    if not check_field_sizes(data, line=line, errors=errors):
        ok = False
    if not jsonsafe.check_record(data, line=line, errors=errors):
        ok = False
    return data if ok else None


@transaction.atomic
def reviews_import(
    *,
    project: Project,
    source: str | bytes | IO,
    actor,
    filename: str | None = None,
    progress: Callable[[int], Any] | None = None,
) -> ReviewImportResult | JudgmentImportResult:
    """Import historical reviews into `project`; all or nothing, idempotent.

    A comparison project takes comparison judgments instead (`curation.comparisons`)."""
    if project.is_comparison:
        from curation.comparisons.review_import import judgments_import

        return judgments_import(
            project=project, source=source, actor=actor, filename=filename, progress=progress
        )
    result = ReviewImportResult(project=project.slug)
    users = get_user_model().objects
    with open_source(source, name=filename, on_read=progress) as src:
        errors = ErrorCollector(file=src.name)
        fmt = detect_format(src.name, peek(src.stream))
        if fmt not in ("jsonl", "json"):
            raise DomainError(
                "reviews must be JSONL (one JSON object a line) or a JSON array",
                file=src.name,
                code="format",
            )
        seen: dict[tuple[str, str], int] = {}
        criteria_grades = CriteriaGradeImporter(project=project, actor=actor, errors=errors)

        def shaped(r):
            if not is_criteria_line(r.data):
                return _shape(r.data, line=r.line, errors=errors)
            if "criteria" in r.data:
                outcomes = criteria_grades(r.data, r.line)
                result.criterion_grades += len(outcomes)
            else:  # a model grader's review on the project rubric
                at = submitted_at_parse(r.data.get("submitted_at"), line=r.line, errors=errors)
                outcomes = criteria_grades.model_review(r.data, r.line, submitted_at=at)
            for outcome in outcomes:
                setattr(result, outcome, getattr(result, outcome) + 1)
            return None

        records = ((r.line, shaped(r)) for r in iter_records(src.stream, fmt=fmt, errors=errors))
        for batch in batched(((line, d) for line, d in records if d is not None), BATCH):
            external_ids = {d["sample_id"] for _, d in batch}
            emails = {d["physician"].strip().lower() for _, d in batch}
            samples = {
                s.external_id: s
                for s in Sample.objects.filter(project=project, external_id__in=external_ids)
            }
            reviewers = {
                u.email_l: u
                for u in users.annotate(email_l=Lower("email")).filter(email_l__in=emails)
            }
            physician_ids = set(
                Physician.objects.filter(user__in=list(reviewers.values())).values_list(
                    "user_id", flat=True
                )
            )
            for line, data in batch:
                email = data["physician"].strip().lower()
                sample = samples.get(data["sample_id"])
                reviewer = reviewers.get(email)
                if sample is None:
                    errors.add(
                        f"no sample {data['sample_id']!r} in project {project.slug}",
                        field="sample_id",
                        line=line,
                        code="not_found",
                    )
                if reviewer is None or reviewer.pk not in physician_ids:
                    errors.add(
                        f"no physician with e-mail {data['physician']!r}",
                        field="physician",
                        line=line,
                        code="not_found",
                    )
                key = (data["sample_id"], email)
                if key in seen:
                    errors.add(
                        f"duplicates line {seen[key]}: one review per physician and sample",
                        field="sample_id",
                        line=line,
                        code="duplicate",
                    )
                    continue
                seen[key] = line
                submitted_at = submitted_at_parse(
                    data.get("submitted_at"), line=line, errors=errors
                )
                if sample is None or reviewer is None or reviewer.pk not in physician_ids:
                    continue
                try:
                    outcome = review_record(
                        sample=sample,
                        reviewer=reviewer,
                        grades=data["grades"],
                        verdict=data["verdict"],
                        corrected_answer=_text(
                            data.get("correction") or data.get("corrected_answer")
                        ),
                        rationale=_text(data.get("rationale")),
                        flags=data.get("flags"),
                        submitted_at=submitted_at,
                        source=Review.Source.IMPORT,
                        external_ref=str(data.get("external_ref") or data.get("id") or ""),
                        actor=actor,
                        line=line,
                        file=src.name,
                    ).outcome
                except DomainError as exc:
                    for detail in exc.details:
                        errors.add(
                            detail.message,
                            field=detail.field,
                            line=detail.line or line,
                            code=detail.code,
                        )
                    continue
                setattr(result, outcome, getattr(result, outcome) + 1)
            if errors.full:
                break
        errors.raise_if_any()  # rolls the whole import back
    audit_record(
        actor=actor,
        action="reviews.import",
        obj=project,
        object_repr=f"reviews of {project.slug} from {src.name}",
        after={
            "file": src.name,
            "created": result.created,
            "amended": result.amended,
            "unchanged": result.unchanged,
        },
    )
    return result
