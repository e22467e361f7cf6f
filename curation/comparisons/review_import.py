"""Judgments a lab already has, into a comparison project (`import_reviews`), one a line:

    {"sample_id": "c-001", "physician": "alice@lab.org", "preferred": "r2",
     "ranking": ["r2", "r1", "r3"], "axes": {"accuracy": "r1", "safety": "tie"},
     "rationale": "...", "submitted_at": "2025-03-01T10:00:00Z"}

All or nothing, up to 50 errors reported with file, line and field; re-importing changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower

from annotators.models import Physician
from core.audit import audit_record
from core.errors import DomainError
from core.ingest import (
    ErrorCollector,
    check_field_sizes,
    detect_format,
    open_source,
    peek,
    submitted_at_parse,
)
from core.records import iter_records
from curation.comparisons.judgments import comparison_record
from curation.models import Project, Sample

REQUIRED = ("sample_id", "physician", "preferred")
OPTIONAL = ("ranking", "axes", "rationale", "submitted_at", "id")


@dataclass
class JudgmentImportResult:
    project: str
    created: int = 0
    amended: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.amended + self.unchanged

    def summary(self) -> str:
        return (
            f"{self.total} comparisons for {self.project}: {self.created} created, "
            f"{self.amended} amended, {self.unchanged} unchanged."
        )


def _shape(data: Any, *, line: int, errors: ErrorCollector) -> bool:
    if not isinstance(data, dict):
        errors.add("must be a JSON object (one judgment)", line=line)
        return False
    before = errors.total
    for name in REQUIRED:
        if data.get(name) in (None, ""):
            errors.add("is required", field=name, line=line, code="required")
        elif not isinstance(data[name], str):
            errors.add("must be a string", field=name, line=line)
    for name in data:
        if name not in REQUIRED + OPTIONAL:
            errors.add(
                "is not a field of a comparison judgment (expected "
                + ", ".join(REQUIRED + OPTIONAL)
                + ")",
                field=name,
                line=line,
                code="unknown",
            )
    check_field_sizes(data, line=line, errors=errors)
    return errors.total == before


@transaction.atomic
def judgments_import(
    *, project: Project, source: str | bytes | IO, actor, filename: str | None = None, progress=None
) -> JudgmentImportResult:
    """Import historical comparison judgments into `project`; all or nothing, idempotent."""
    result = JudgmentImportResult(project=project.slug)
    with open_source(source, name=filename, on_read=progress) as src:
        errors = ErrorCollector(file=src.name)
        fmt = detect_format(src.name, peek(src.stream))
        if fmt not in ("jsonl", "json"):
            raise DomainError(
                "judgments must be JSONL (one JSON object a line) or a JSON array",
                file=src.name,
                code="format",
            )
        rows = [
            (r.line, r.data)
            for r in iter_records(src.stream, fmt=fmt, errors=errors)
            if _shape(r.data, line=r.line, errors=errors)
        ]
        samples = {
            s.external_id: s
            for s in Sample.objects.select_related("project").filter(
                project=project, external_id__in={d["sample_id"] for _, d in rows}
            )
        }
        emails = {d["physician"].strip().lower() for _, d in rows}
        users = {
            u.email_l: u
            for u in get_user_model()
            .objects.annotate(email_l=Lower("email"))
            .filter(email_l__in=emails, pk__in=Physician.objects.values("user_id"))
        }
        seen: dict[tuple[str, str], int] = {}
        for line, data in rows:
            if errors.full:
                break
            email = data["physician"].strip().lower()
            sample, reviewer = samples.get(data["sample_id"]), users.get(email)
            if sample is None:
                errors.add(
                    f"no sample {data['sample_id']!r} in project {project.slug}",
                    field="sample_id",
                    line=line,
                    code="not_found",
                )
            if reviewer is None:
                errors.add(
                    f"no physician with e-mail {data['physician']!r}",
                    field="physician",
                    line=line,
                    code="not_found",
                )
            key = (data["sample_id"], email)
            if key in seen:
                errors.add(
                    f"duplicates line {seen[key]}: one judgment per physician and sample",
                    field="sample_id",
                    line=line,
                    code="duplicate",
                )
                continue
            seen[key] = line
            submitted_at = submitted_at_parse(data.get("submitted_at"), line=line, errors=errors)
            if sample is None or reviewer is None:
                continue
            try:
                outcome = comparison_record(
                    sample=sample,
                    reviewer=reviewer,
                    preferred=data["preferred"],
                    axes=data.get("axes"),
                    ranking=data.get("ranking"),
                    rationale=data.get("rationale") or "",
                    submitted_at=submitted_at,
                    actor=actor,
                    line=line,
                    file=src.name,
                ).outcome
            except DomainError as exc:
                for d in exc.details:
                    errors.add(d.message, field=d.field, line=d.line or line, code=d.code)
                continue
            setattr(result, outcome, getattr(result, outcome) + 1)
        errors.raise_if_any()
    audit_record(
        actor=actor,
        action="reviews.import",
        obj=project,
        object_repr=f"comparisons of {project.slug} from {src.name}",
        after={
            "file": src.name,
            "created": result.created,
            "amended": result.amended,
            "unchanged": result.unchanged,
        },
    )
    return result
