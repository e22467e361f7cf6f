"""Validating criteria: k other physicians agree, disagree or ask for an edit; leads settle.

A proposed criterion is kept (validated) once `project.criteria_validators` physicians have
judged it and the share who agree reaches `project.criteria_agree_share`; otherwise it is
disputed and goes to a lead, who keeps it, keeps it with an edit, or rejects it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from core.audit import audit_record
from core.errors import DomainError
from curation.criteria.services import criterion_edit, criterion_status_set
from curation.models import CriterionValidation, SampleCriterion

Decision = CriterionValidation.Decision
Status = SampleCriterion.Status


@transaction.atomic
def criterion_validate(
    *,
    criterion: SampleCriterion,
    validator,
    decision: str,
    suggested_text: str = "",
    suggested_points: int | None = None,
    comment: str = "",
) -> CriterionValidation:
    """Records one physician's judgement and settles the criterion once k judgements are in."""
    criterion = (
        SampleCriterion.objects.select_for_update()
        .select_related("sample__project")
        .get(pk=criterion.pk)
    )
    if decision not in Decision.values:
        raise DomainError(
            f"must be one of {', '.join(Decision.values)}, got {decision!r}", field="decision"
        )
    if criterion.author_id == validator.pk:
        raise DomainError("you wrote this criterion: another physician validates it")
    if criterion.status != Status.PROPOSED:
        raise DomainError(f"this criterion is already {criterion.status}", code="conflict")
    suggested_text = (suggested_text or "").strip()
    if decision == Decision.EDIT and not suggested_text:
        raise DomainError("write the edited criterion", field="suggested_text")
    if suggested_points is not None and (
        isinstance(suggested_points, bool)
        or not isinstance(suggested_points, int)
        or not -10 <= suggested_points <= 10
        or suggested_points == 0
    ):
        raise DomainError("must be from -10 to 10 and not 0", field="suggested_points")
    try:
        with transaction.atomic():
            validation = CriterionValidation.objects.create(
                criterion=criterion,
                validator=validator,
                decision=decision,
                suggested_text=suggested_text if decision == Decision.EDIT else "",
                suggested_points=suggested_points if decision == Decision.EDIT else None,
                comment=comment or "",
            )
    except IntegrityError:
        raise DomainError("you already validated this criterion", code="conflict")
    audit_record(
        actor=validator,
        action="criterion.validate",
        obj=criterion,
        after={"decision": decision, "suggested_text": validation.suggested_text},
    )
    _settle(criterion, actor=validator)
    return validation


def _settle(criterion: SampleCriterion, *, actor) -> None:
    project = criterion.sample.project
    decisions = list(criterion.validations.values_list("decision", flat=True))
    if len(decisions) < project.criteria_validators:
        return
    agree = sum(d == Decision.AGREE for d in decisions) / len(decisions)
    status = Status.VALIDATED if agree >= project.criteria_agree_share - 1e-9 else Status.DISPUTED
    criterion_status_set(
        criterion=criterion,
        status=status,
        actor=actor,
        note=f"{sum(d == Decision.AGREE for d in decisions)} of {len(decisions)} agree",
    )


@transaction.atomic
def criterion_resolve(
    *,
    criterion: SampleCriterion,
    actor,
    decision: str,
    text: str | None = None,
    points: int | None = None,
    note: str = "",
) -> SampleCriterion:
    """A lead settles a disputed criterion: keep, edit (and keep) or reject."""
    criterion = SampleCriterion.objects.select_for_update().get(pk=criterion.pk)
    if criterion.status != Status.DISPUTED:
        raise DomainError(f"only a disputed criterion is settled; this one is {criterion.status}")
    if decision == "edit":
        changes = {k: v for k, v in (("text", text), ("points", points)) if v is not None}
        if not changes:
            raise DomainError("write the edited criterion", field="text")
        criterion = criterion_edit(criterion=criterion, actor=actor, note=note, **changes)
        decision = "keep"
    if decision == "keep":
        return criterion_status_set(
            criterion=criterion, status=Status.VALIDATED, actor=actor, note=note or "kept by lead"
        )
    if decision == "reject":
        return criterion_status_set(
            criterion=criterion, status=Status.REJECTED, actor=actor, note=note or "rejected"
        )
    raise DomainError("must be keep, edit or reject", field="decision")
