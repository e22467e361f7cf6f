"""Undo of a physician's last submit or skip, until their next one (as in Prodigy).

The last action is the physician's most recently completed assignment. It can be taken back
while nothing depends on it: its sample still collects reviews (open, or complete with no
consensus yet), the review was not amended since, and, for a skip, the slot it gave back is
still free. Undoing restores the lease, so the physician lands on the same sample again: a
review comes back as the draft it was, and is deleted with its revision; a skip takes its slot
back. Each undo is audited, and an action completed before the physician's last undo can no
longer be undone, so undo never walks back through history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from core.audit import audit_record
from core.errors import Conflict
from core.models import AuditEvent
from curation.models import Assignment, ConsensusLabel, Review, ReviewDraft, Sample
from curation.reviewing.assignment import physician_for_review
from curation.rubrics.options import grade_to_value

UNDO_ACTION = "assignment.undo"
DONE = (Assignment.Status.SUBMITTED, Assignment.Status.SKIPPED)


@dataclass(frozen=True)
class Undone:
    """What an undo gave back: the restored lease and what was undone ("review" or "skip")."""

    assignment_id: int
    project_slug: str
    sample_id: int
    kind: str


def last_action(user) -> Assignment | None:
    """The physician's last submit or skip that may still be undone (None if there is none).

    Only the state the caller can see; whether the sample still allows it is checked on undo.
    """
    last = (
        Assignment.objects.filter(reviewer_id=user.pk, status__in=DONE, completed_at__isnull=False)
        .select_related("project")
        .order_by("-completed_at", "-id")
        .first()
    )
    if last is None:
        return None
    undone_at = (
        AuditEvent.objects.filter(actor_id=user.pk, action=UNDO_ACTION)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )
    if undone_at is not None and last.completed_at <= undone_at:
        return None
    return last


def _nothing_to_undo() -> Conflict:
    return Conflict("There is nothing to undo.", code="nothing_to_undo", field="assignment")


def _draft_payload(review: Review) -> dict:
    """The review as the form state it came from, so the page shows it again."""
    criteria = {c.key: c for c in review.rubric.criteria.all()}
    grades = {
        key: grade_to_value(criteria[key], value)
        for key, value in (review.grades or {}).items()
        if key in criteria
    }
    return {
        "grades": grades,
        "verdict": review.verdict,
        "corrected_answer": review.corrected_answer,
        "rationale": review.rationale,
    }


def _undo_review(*, lease: Assignment, sample: Sample) -> dict:
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("rubric")
        .filter(assignment=lease)
        .first()
    )
    if review is None:
        raise _nothing_to_undo()
    if review.source not in (Review.Source.WEB, Review.Source.API):
        raise Conflict(
            "This review came in through an import; it cannot be undone here.",
            code="not_undoable",
            field="assignment",
        )
    if review.revision > 1:
        raise Conflict(
            "You amended this review since; amend it again instead of undoing it.",
            code="not_undoable",
            field="assignment",
        )
    before = {
        "review": review.pk,
        "verdict": review.verdict,
        "grades": review.grades,
        "corrected_answer": review.corrected_answer,
        "rationale": review.rationale,
    }
    ReviewDraft.objects.update_or_create(
        assignment=lease, defaults={"payload": _draft_payload(review)}
    )
    review.delete()  # its revision goes with it; the audit log keeps what it said
    if not review.is_model and not sample.is_gold:
        with connection.cursor() as cursor:
            cursor.execute(
                UNCOUNT_REVIEW.format(sample=Sample._meta.db_table),
                {"pk": sample.pk, "now": timezone.now()},
            )
    return before


# The reverse of the submit's count: one review fewer, and the sample collects again.
UNCOUNT_REVIEW = """
UPDATE {sample} SET
    reviews_done = GREATEST(reviews_done - 1, 0),
    status = 'open',
    updated_at = %(now)s
WHERE id = %(pk)s
"""


def _undo_skip(*, lease: Assignment, sample: Sample) -> dict:
    if not sample.is_gold:
        taken = Sample.objects.filter(pk=sample.pk, slots_open__gt=0).update(
            slots_open=F("slots_open") - 1
        )
        if not taken:
            raise Conflict(
                "The sample you skipped went to another physician; the skip stands.",
                code="not_undoable",
                field="assignment",
            )
    return {"skip_reason": lease.skip_reason, "skip_note": lease.skip_note}


@transaction.atomic
def assignment_undo(*, user) -> Undone:
    """Undo the caller's last submit or skip and give them the lease back.

    Raises Conflict `nothing_to_undo` when there is none, `not_undoable` when something already
    depends on it (the sample moved on to consensus, adjudication or settlement; the review was
    amended; the skipped sample's slot was taken)."""
    physician_for_review(user)
    last = last_action(user)
    if last is None:
        raise _nothing_to_undo()
    lease = (
        Assignment.objects.select_for_update()
        .select_related("project")
        .filter(pk=last.pk, reviewer_id=user.pk, status__in=DONE)
        .first()
    )
    if lease is None:
        raise _nothing_to_undo()
    sample = Sample.objects.select_for_update().get(pk=lease.sample_id)
    settled = sample.status not in (Sample.Status.OPEN, Sample.Status.COMPLETE)
    if settled or ConsensusLabel.objects.filter(sample_id=sample.pk).exists():
        raise Conflict(
            "This sample has moved on to consensus; amend your review from My reviews instead.",
            code="not_undoable",
            field="assignment",
        )
    kind = "review" if lease.status == Assignment.Status.SUBMITTED else "skip"
    if kind == "review":
        before = _undo_review(lease=lease, sample=sample)
    else:
        before = _undo_skip(lease=lease, sample=sample)
    now = timezone.now()
    lease.status = Assignment.Status.LEASED
    lease.completed_at = None
    lease.skip_reason = ""
    lease.skip_note = ""
    lease.expires_at = now + timedelta(minutes=lease.project.lease_minutes)
    lease.save(update_fields=["status", "completed_at", "skip_reason", "skip_note", "expires_at"])
    audit_record(
        actor=user,
        action=UNDO_ACTION,
        obj=lease,
        object_repr=f"assignment {lease.pk}",
        before={"undone": kind, **before},
        after={"status": lease.status, "expires_at": lease.expires_at.isoformat()},
    )
    return Undone(
        assignment_id=lease.pk,
        project_slug=lease.project.slug,
        sample_id=sample.pk,
        kind=kind,
    )
