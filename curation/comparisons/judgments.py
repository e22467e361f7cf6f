"""Comparison judgments: one rule for what a judgment may say, and the writes of every door.

A judgment names the preferred response (or a tie, where the project allows ties), a choice per
axis, optionally a full ranking, and a rationale. `comparison_submit` is the web door (the
physician's own lease); `comparison_record` the import door (no lease; idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.audit import audit_record
from core.errors import Conflict, DomainError, ErrorDetail, NotFound
from curation.comparisons.order import display_order
from curation.models import Assignment, Comparison, Project, Sample
from curation.models.comparison import TIE
from curation.reviewing.assignment import physician_for_review
from curation.reviewing.lifecycle import quarantined_error, review_counted

CONTENT = ("preferred", "axes", "ranking", "rationale")


@dataclass(frozen=True)
class Judged:
    comparison: Comparison
    outcome: str  # created | amended | unchanged


def _choice(
    project: Project,
    keys: list[str],
    value: Any,
    field: str,
    errors: list[ErrorDetail],
    *,
    name_keys: bool = True,
    **where,
) -> str:
    if not isinstance(value, str) or not value:
        errors.append(
            ErrorDetail(f"is required: a response id or {TIE!r}", field, code="required", **where)
        )
    elif value == TIE:
        if not project.allow_ties:
            errors.append(
                ErrorDetail("this project does not allow ties", field, code="tie", **where)
            )
    elif value not in keys:
        message = (
            f"unknown response id {value!r}: expected one of {', '.join(keys)}"
            if name_keys
            else f"unknown response {value!r}"
        )
        errors.append(ErrorDetail(message, field, code="unknown", **where))
    return value


def judgment_clean(
    *,
    project: Project,
    keys: list[str],
    preferred: Any,
    axes: Any,
    ranking: Any = None,
    rationale: Any = "",
    require_axes: bool = True,
    name_keys: bool = True,
    line: int | None = None,
    file: str | None = None,
) -> dict[str, Any]:
    """The judgment as stored, or a DomainError naming every wrong field. `name_keys=False` keeps
    response ids out of the messages (a physician sees letters, never ids)."""
    where = {"line": line, "file": file}
    choose = {**where, "name_keys": name_keys}
    errors: list[ErrorDetail] = []
    clean: dict[str, Any] = {
        "preferred": _choice(project, keys, preferred, "preferred", errors, **choose)
    }
    axis_keys = [a["key"] for a in project.comparison_axes]
    clean["axes"] = {}
    if axes is None:
        axes = {}
    if not isinstance(axes, dict):
        errors.append(ErrorDetail("must be an object of axis to response id", "axes", **where))
        axes = {}
    for name, value in axes.items():
        if name not in axis_keys:
            errors.append(
                ErrorDetail(
                    f"unknown axis {name!r}: expected one of {', '.join(axis_keys) or 'none'}",
                    f"axes.{name}",
                    code="unknown",
                    **where,
                )
            )
            continue
        clean["axes"][name] = _choice(project, keys, value, f"axes.{name}", errors, **choose)
    if require_axes:
        for name in axis_keys:
            if name not in axes:
                errors.append(ErrorDetail("is required", f"axes.{name}", code="required", **where))
    clean["axes"] = {k: clean["axes"][k] for k in axis_keys if k in clean["axes"]}
    clean["ranking"] = []
    if ranking not in (None, []):
        if not isinstance(ranking, list) or sorted(map(str, ranking)) != sorted(keys):
            errors.append(
                ErrorDetail(
                    "must list every response once, best first"
                    + (f" ({', '.join(keys)})" if name_keys else ""),
                    "ranking",
                    **where,
                )
            )
        elif preferred != TIE and ranking[0] != preferred:
            errors.append(
                ErrorDetail(
                    f"puts {ranking[0]!r} first but preferred is {preferred!r}", "ranking", **where
                )
            )
        else:
            clean["ranking"] = list(ranking)
    if rationale is None:
        rationale = ""
    if not isinstance(rationale, str):
        errors.append(ErrorDetail("must be text", "rationale", **where))
    clean["rationale"] = rationale.strip() if isinstance(rationale, str) else ""
    if errors:
        raise DomainError.many(errors)
    return clean


def response_keys(sample: Sample) -> list[str]:
    return list(sample.responses.order_by("position").values_list("key", flat=True))


def _content(comparison: Comparison) -> dict[str, Any]:
    return {name: getattr(comparison, name) for name in CONTENT}


@transaction.atomic
def comparison_submit(
    *, assignment_id: int, user, preferred, axes, ranking=None, rationale: str = ""
) -> Judged:
    """Submit the caller's judgment of the sample their assignment leases (NotFound if the
    assignment is not theirs); the same judgment again is a no-op."""
    lease = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("sample__project")
        .filter(pk=assignment_id, reviewer_id=user.pk)
        .first()
    )
    if lease is None or not lease.sample.project.is_comparison:
        raise NotFound("No such assignment.")
    sample = lease.sample
    if sample.quarantined:
        raise quarantined_error()
    physician_for_review(user)
    keys = response_keys(sample)
    clean = judgment_clean(
        project=sample.project,
        keys=keys,
        preferred=preferred,
        axes=axes,
        ranking=ranking,
        rationale=rationale,
        name_keys=False,
    )
    if lease.status == Assignment.Status.SUBMITTED:
        existing = Comparison.objects.filter(assignment=lease).first()
        if existing is not None and _content(existing) == clean:
            return Judged(existing, "unchanged")
        raise Conflict("This comparison is already submitted.", field="assignment")
    if lease.status != Assignment.Status.LEASED:
        raise Conflict(
            "Your lease on this comparison has ended; take the next one.",
            code="lease_expired",
            field="assignment",
        )
    if sample.status == Sample.Status.SETTLED:
        raise Conflict("This sample is already settled.", field="assignment")
    now = timezone.now()
    try:
        with transaction.atomic():
            comparison = Comparison.objects.create(
                project=sample.project,
                sample=sample,
                reviewer=user,
                assignment=lease,
                display_order=display_order(sample=sample, reviewer=user),
                source=Comparison.Source.WEB,
                submitted_at=now,
                **clean,
            )
    except IntegrityError:
        raise Conflict("You already judged this comparison.", field="assignment")
    Assignment.objects.filter(pk=lease.pk).update(
        status=Assignment.Status.SUBMITTED, completed_at=now
    )
    if not sample.is_gold:
        review_counted(sample_id=sample.pk, overlap=sample.project.overlap)
    audit_record(
        actor=user,
        action="comparison.submit",
        obj=comparison,
        object_repr=f"comparison {comparison.pk} of sample {sample.pk}",
        after=clean,
    )
    return Judged(comparison, "created")


def comparison_record(
    *,
    sample: Sample,
    reviewer,
    preferred,
    axes,
    ranking=None,
    rationale: str = "",
    submitted_at: datetime | None = None,
    actor=None,
    line: int | None = None,
    file: str | None = None,
) -> Judged:
    """Record a judgment that arrived without a lease (an import); idempotent, amendable until
    the sample settles. Runs inside the caller's transaction."""
    project = sample.project
    clean = judgment_clean(
        project=project,
        keys=response_keys(sample),
        preferred=preferred,
        axes=axes,
        ranking=ranking,
        rationale=rationale,
        require_axes=False,
        line=line,
        file=file,
    )
    existing = (
        Comparison.objects.select_for_update()
        .filter(sample=sample, reviewer_id=reviewer.pk)
        .first()
    )
    if existing is not None:
        if _content(existing) == clean:
            return Judged(existing, "unchanged")
        if sample.status == Sample.Status.SETTLED:
            raise Conflict(
                f"Sample {sample.external_id} is settled; its judgments can no longer change.",
                code="settled",
                field="sample_id",
                line=line,
                file=file,
            )
        before = _content(existing)
        for name, value in clean.items():
            setattr(existing, name, value)
        existing.save(update_fields=[*CONTENT, "updated_at"])
        audit_record(
            actor=actor or reviewer,
            action="comparison.amend",
            obj=existing,
            before=before,
            after=clean,
        )
        return Judged(existing, "amended")
    now = timezone.now()
    lease = (
        Assignment.objects.select_for_update()
        .filter(sample=sample, reviewer_id=reviewer.pk, status=Assignment.Status.LEASED)
        .first()
    )
    comparison = Comparison.objects.create(
        project=project,
        sample=sample,
        reviewer=reviewer,
        assignment=lease,
        source=Comparison.Source.IMPORT,
        submitted_at=submitted_at or now,
        **clean,
    )
    if lease is not None:
        Assignment.objects.filter(pk=lease.pk).update(
            status=Assignment.Status.SUBMITTED, completed_at=now
        )
    if not sample.is_gold:
        if lease is None:
            Sample.objects.filter(pk=sample.pk, slots_open__gt=0).update(
                slots_open=F("slots_open") - 1
            )
        review_counted(sample_id=sample.pk, overlap=project.overlap)
    audit_record(actor=actor or reviewer, action="comparison.record", obj=comparison, after=clean)
    return Judged(comparison, "created")
