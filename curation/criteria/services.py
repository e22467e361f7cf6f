"""Writes of sample criteria: create, edit, status, model graders and criterion grades.

Every function is keyword-only, atomic and audited; every change of a criterion leaves a
`SampleCriterionEdit` row, so a criterion's history is complete.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from core.audit import audit_record
from core.errors import DomainError
from curation.models import (
    CriterionGrade,
    ModelGrader,
    Sample,
    SampleCriterion,
    SampleCriterionEdit,
)
from curation.models.criteria import AXES, LEVELS

MAX_WORDS = 40
_JOINED = re.compile(r"\b(and also|as well as|and then|; and)\b|;", re.IGNORECASE)
_GRADER = re.compile(r"^(?P<name>[A-Za-z0-9][\w.\-/:]*)@(?P<version>[\w.\-:]+)$")


@dataclass(frozen=True)
class CriterionFields:
    text: str
    points: int
    axis: str
    level: str
    tags: list[str]


def criterion_fields_check(
    *, text, points, axis, level="example", tags=None, field: str = ""
) -> CriterionFields:
    """The fields of a criterion, checked; DomainError names the first field that is wrong."""
    prefix = f"{field}." if field else ""
    if not isinstance(text, str) or not text.strip():
        raise DomainError("must be non-empty text", field=f"{prefix}text")
    if isinstance(points, bool) or not isinstance(points, int):
        raise DomainError(f"must be an integer, got {points!r}", field=f"{prefix}points")
    if not -10 <= points <= 10 or points == 0:
        raise DomainError(
            f"must be from -10 to 10 and not 0, got {points}", field=f"{prefix}points"
        )
    if axis not in AXES:
        raise DomainError(f"unknown axis {axis!r}; one of {', '.join(AXES)}", field=f"{prefix}axis")
    if level not in LEVELS:
        raise DomainError(
            f"unknown level {level!r}; one of {', '.join(LEVELS)}", field=f"{prefix}level"
        )
    tags = list(tags or [])
    if not all(isinstance(t, str) and t.strip() for t in tags):
        raise DomainError("must be a list of non-empty strings", field=f"{prefix}tags")
    return CriterionFields(text.strip(), points, axis, level, tags)


def criterion_warnings(text: str) -> list[str]:
    """Guidance for atomic, checkable criteria: what a writer should look at again."""
    warnings = []
    if _JOINED.search(text or "") or len(re.findall(r"\band\b", text or "", re.I)) >= 2:
        warnings.append("may join two checks: write one criterion per check")
    if len((text or "").split()) > MAX_WORDS:
        warnings.append(f"runs long (over {MAX_WORDS} words): a grader must check it at a glance")
    return warnings


def _history(criterion: SampleCriterion, *, action: str, actor, note: str = "") -> None:
    SampleCriterionEdit.objects.create(
        criterion=criterion,
        revision=criterion.revision,
        action=action,
        text=criterion.text,
        points=criterion.points,
        axis=criterion.axis,
        level=criterion.level,
        tags=criterion.tags,
        status=criterion.status,
        actor=actor,
        note=note,
    )


def _snapshot(c: SampleCriterion) -> dict:
    return {
        "text": c.text,
        "points": c.points,
        "axis": c.axis,
        "level": c.level,
        "tags": c.tags,
        "status": c.status,
    }


@transaction.atomic
def criterion_create(
    *,
    sample: Sample,
    text: str,
    points: int,
    axis: str,
    level: str = "example",
    tags: list[str] | None = None,
    actor,
    status: str = SampleCriterion.Status.PROPOSED,
    imported: bool = False,
    position: int | None = None,
) -> SampleCriterion:
    fields = criterion_fields_check(text=text, points=points, axis=axis, level=level, tags=tags)
    if position is None:
        last = (
            SampleCriterion.objects.select_for_update()
            .filter(sample=sample)
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
        )
        position = 0 if last is None else last + 1
    criterion = SampleCriterion.objects.create(
        sample=sample,
        position=position,
        text=fields.text,
        points=fields.points,
        axis=fields.axis,
        level=fields.level,
        tags=fields.tags,
        status=status,
        author=actor,
        imported=imported,
    )
    _history(criterion, action="import" if imported else "create", actor=actor)
    audit_record(actor=actor, action="criterion.create", obj=criterion, after=_snapshot(criterion))
    return criterion


@transaction.atomic
def criteria_import(*, rows: list[tuple[Sample, int, dict]], actor, batch: int = 2000) -> int:
    """Imported criteria (already checked), validated on arrival, each with its first history
    row; written in batches. The caller audits the import as a whole."""
    created = 0
    for start in range(0, len(rows), batch):
        chunk = [
            SampleCriterion(
                sample=sample,
                position=position,
                status=SampleCriterion.Status.VALIDATED,
                imported=True,
                author=actor,
                **fields,
            )
            for sample, position, fields in rows[start : start + batch]
        ]
        SampleCriterion.objects.bulk_create(chunk)
        SampleCriterionEdit.objects.bulk_create(
            SampleCriterionEdit(
                criterion=c,
                revision=1,
                action="import",
                text=c.text,
                points=c.points,
                axis=c.axis,
                level=c.level,
                tags=c.tags,
                status=c.status,
                actor=actor,
            )
            for c in chunk
        )
        created += len(chunk)
    return created


@transaction.atomic
def criterion_edit(
    *, criterion: SampleCriterion, actor, note: str = "", **changes
) -> SampleCriterion:
    """A new revision of the criterion's text, points, axis, level or tags."""
    criterion = SampleCriterion.objects.select_for_update().get(pk=criterion.pk)
    before = _snapshot(criterion)
    merged = {k: before[k] for k in ("text", "points", "axis", "level", "tags")}
    unknown = set(changes) - set(merged)
    if unknown:
        raise DomainError(f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    merged.update(changes)
    fields = criterion_fields_check(**merged)
    for name in ("text", "points", "axis", "level", "tags"):
        setattr(criterion, name, getattr(fields, name))
    if _snapshot(criterion) == before:
        return criterion
    criterion.revision += 1
    criterion.save()
    _history(criterion, action="edit", actor=actor, note=note)
    audit_record(
        actor=actor,
        action="criterion.edit",
        obj=criterion,
        before=before,
        after=_snapshot(criterion),
    )
    return criterion


@transaction.atomic
def criterion_status_set(
    *, criterion: SampleCriterion, status: str, actor, note: str = ""
) -> SampleCriterion:
    if status not in SampleCriterion.Status.values:
        raise DomainError(f"unknown status {status!r}", field="status")
    updated = (
        SampleCriterion.objects.filter(pk=criterion.pk).exclude(status=status).update(status=status)
    )
    criterion.refresh_from_db()
    if updated:
        _history(criterion, action=f"status:{status}", actor=actor, note=note)
        audit_record(
            actor=actor, action="criterion.status", obj=criterion, after={"status": status}
        )
    return criterion


# --- model graders ----------------------------------------------------------------------------


def model_grader_parse(value) -> tuple[str, str]:
    """'judge-name@version' -> (name, version)."""
    match = _GRADER.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise DomainError(
            f"a model grader is named as name@version, got {value!r}", field="grader.model"
        )
    return match["name"], match["version"]


@transaction.atomic
def model_grader_register(*, name: str, version: str, actor, description: str = "") -> ModelGrader:
    """Registers a model grader (idempotent): no licence, no invitation."""
    model_grader_parse(f"{name}@{version}")
    grader, created = ModelGrader.objects.get_or_create(
        name=name, version=version, defaults={"description": description}
    )
    if grader.user_id is None:
        user = get_user_model().objects.create(
            username=f"model-grader-{secrets.token_hex(6)}",
            first_name=str(grader)[:150],
            is_active=False,
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        grader.user = user
        grader.save(update_fields=["user"])
    if created:
        audit_record(actor=actor, action="model_grader.register", obj=grader, after=str(grader))
    return grader


@transaction.atomic
def criterion_grade_record(
    *,
    criterion: SampleCriterion,
    met: bool,
    physician=None,
    model_grader: ModelGrader | None = None,
    explanation: str = "",
    source: str = "web",
    actor,
) -> tuple[CriterionGrade, str]:
    """Records one grader's met / not met; returns (grade, 'created' | 'amended' | 'unchanged')."""
    if (physician is None) == (model_grader is None):
        raise DomainError("a grade has one grader: a physician or a model grader", field="grader")
    if not isinstance(met, bool):
        raise DomainError(f"must be true or false, got {met!r}", field="met")
    if criterion.status == SampleCriterion.Status.REJECTED:
        raise DomainError("this criterion was rejected; it is not graded", field="criterion")
    who = {"physician": physician} if physician is not None else {"model_grader": model_grader}
    grade = CriterionGrade.objects.select_for_update().filter(criterion=criterion, **who).first()
    if grade is None:
        grade = CriterionGrade.objects.create(
            criterion=criterion, met=met, explanation=explanation or "", source=source, **who
        )
        outcome = "created"
    elif grade.met == met and grade.explanation == (explanation or ""):
        return grade, "unchanged"
    else:
        grade.met, grade.explanation, grade.source = met, explanation or "", source
        grade.save(update_fields=["met", "explanation", "source", "updated_at"])
        outcome = "amended"
    audit_record(
        actor=actor,
        action=f"criterion_grade.{outcome}",
        obj=grade,
        after={"criterion": criterion.pk, "met": met, "grader": str(model_grader or physician)},
    )
    return grade, outcome
