"""What an administrator does to one sample from the sample browser besides quarantine: hand its
live leases back to the queue now (requeue), and make a settled sample a gold item or stop it
being one. Each is keyword-only, atomic and audited; none writes the sample's status.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.errors import Conflict, DomainError

from ..models import Sample
from .lifecycle import leases_revoke

REQUEUED = "requeued"


def _note(note: str, why: str) -> str:
    note = (note or "").strip()
    if not note:
        raise DomainError(f"is required: {why}", field="note", code="required")
    return note


@transaction.atomic
def sample_requeue(*, sample: Sample, actor, note: str) -> int:
    """End the live leases of an open sample and give their places back to the queue at once,
    instead of at lease expiry (a reviewer who went away). Returns how many leases ended; a
    retry with none left ends none."""
    note = _note(note, "say why the sample goes back to the queue")
    locked = Sample.objects.select_for_update().get(pk=sample.pk)
    if locked.status != Sample.Status.OPEN:
        raise Conflict(
            f"Sample {locked.external_id} is {locked.get_status_display().lower()}: only an open "
            "sample goes back to the queue.",
            field="status",
            code="not_open",
        )
    ended = leases_revoke(sample_ids=[locked.pk], actor=actor, reason=REQUEUED)
    audit_record(
        actor=actor,
        action="sample.requeue",
        obj=locked,
        after={"leases_ended": ended, "note": note},
    )
    return ended


@transaction.atomic
def sample_gold_set(*, sample: Sample, actor, gold: bool, note: str) -> Sample:
    """Make a settled sample a gold item, its final grades the reference, or stop it being one.

    Gold items measure reviewers, so only a settled sample (whose label the panel or a lead
    decided) becomes one. Setting what is already set changes nothing.
    """
    note = _note(note, "say why")
    locked = Sample.objects.select_for_update().get(pk=sample.pk)
    if locked.is_gold == gold:
        return locked
    if gold and (locked.status != Sample.Status.SETTLED or not locked.final_grades):
        raise Conflict(
            f"Sample {locked.external_id} is {locked.get_status_display().lower()}: only a "
            "settled sample, with its final grades as the reference, becomes a gold item.",
            field="is_gold",
            code="not_settled",
        )
    before = {"is_gold": locked.is_gold, "gold_grades": locked.gold_grades}
    changes = {"is_gold": gold, "gold_grades": locked.final_grades if gold else None}
    Sample.objects.filter(pk=locked.pk).update(**changes, updated_at=timezone.now())
    audit_record(
        actor=actor,
        action="sample.gold" if gold else "sample.ungold",
        obj=locked,
        before=before,
        after={**changes, "note": note},
    )
    locked.refresh_from_db()
    return locked
