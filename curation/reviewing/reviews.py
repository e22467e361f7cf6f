"""Review submission, amendment, recording from other doors, and draft autosave.

Every door (web page, REST API, review import, Label Studio bridge) validates through
`curation.rubrics.validation.review_validate`, writes revision 1 of the review, and moves the
sample's bookkeeping in SQL (`reviews_done + 1`, `status = 'complete'` once k reviews are in), so
two submits at once can never lose a count.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from core.audit import audit_record
from core.errors import Conflict, DomainError, NotFound
from core.hotsql import columns, fetchone_hot, linked, with_prefetched
from curation.access import amend_refusal
from curation.intake.phi import physician_text_check
from curation.models import (
    Assignment,
    Criterion,
    Project,
    Review,
    ReviewDraft,
    ReviewRevision,
    Rubric,
    Sample,
)
from curation.reviewing.assignment import physician_for_review
from curation.reviewing.lifecycle import quarantined_error, review_counted
from curation.rubrics.validation import review_validate

CONTENT_FIELDS = ("grades", "verdict", "corrected_answer", "rationale", "flags")


@dataclass(frozen=True)
class Submitted:
    """What a submit did: the review, and whether this call created it (False: an earlier
    identical submit, retried, is returned unchanged)."""

    review: Review
    created: bool


@dataclass(frozen=True)
class Recorded:
    """What recording a review from another door did: `outcome` is "created", "amended" or
    "unchanged"."""

    review: Review
    outcome: str


def _clean_flags(flags) -> list:
    if flags is None:
        return []
    if not isinstance(flags, list | tuple) or not all(isinstance(f, str) for f in flags):
        raise DomainError("must be a list of strings", field="flags")
    return sorted({f.strip() for f in flags if f.strip()})


def _validated(
    *, sample: Sample, grades, verdict, corrected_answer, rationale, flags, line=None, file=None
) -> dict[str, Any]:
    if sample.project.is_comparison:  # judged through curation.comparisons, never graded
        raise Conflict("This sample is a comparison: judge it on its comparison page.", field=None)
    criteria = _criteria(sample)
    clean = review_validate(
        criteria=criteria,
        grades=grades,
        verdict=verdict,
        corrected_answer=corrected_answer,
        rationale=rationale,
        line=line,
        file=file,
    )
    clean["flags"] = _clean_flags(flags)
    return clean


def _criteria(sample: Sample) -> list:
    """The criteria of the sample's rubric, read once per sample object (validate, then save)."""
    cached = sample.__dict__.get("_rubric_criteria")
    rubric_id = sample.project.rubric_id
    if cached is None or cached[0] != rubric_id:
        cached = (rubric_id, list(Criterion.objects.raw(_criteria_sql(), [rubric_id])))
        sample.__dict__["_rubric_criteria"] = cached
    return cached[1]


@functools.cache
def _criteria_sql() -> str:
    """Hand-written: every submit asks it, and the ORM took longer to build it than to run it."""
    return CRITERIA.format(criterion=Criterion._meta.db_table)


CRITERIA = "SELECT * FROM {criterion} WHERE rubric_id = %s ORDER BY position"


def _content(review: Review) -> dict[str, Any]:
    return {name: getattr(review, name) for name in CONTENT_FIELDS}


def _counts(*, sample: Sample, is_model: bool) -> bool:
    """Model graders and gold items never count toward a sample's k reviews."""
    return not is_model and not sample.is_gold


def _first_version(
    *, sample: Sample, reviewer_id: int, lease: Assignment | None, clean: dict, **fields
) -> tuple[Review, ReviewRevision]:
    """A new review of `sample` and its revision 1, whichever door it came through."""
    review = Review(
        project=sample.project,
        sample=sample,
        reviewer_id=reviewer_id,
        assignment=lease,
        rubric_id=sample.project.rubric_id,
        original_answer=sample.answer,
        revision=1,
        **fields,
        **clean,
    )
    review.save(force_insert=True, criteria=_criteria(sample))
    return review, _write_revision(review)


LEASE_DONE = "UPDATE {assignment} SET status = %s, completed_at = %s WHERE id = %s"


def _lease_done(lease: Assignment, now) -> None:
    lease.status = Assignment.Status.SUBMITTED
    lease.completed_at = now
    with connection.cursor() as cursor:
        cursor.execute(
            LEASE_DONE.format(assignment=Assignment._meta.db_table), [lease.status, now, lease.pk]
        )


def _write_revision(review: Review) -> ReviewRevision:
    return ReviewRevision.objects.create(
        review=review,
        revision=review.revision,
        grades=review.grades,
        verdict=review.verdict,
        corrected_answer=review.corrected_answer,
        rationale=review.rationale,
        flags=review.flags,
    )


LOCK_LEASE = """
SELECT {columns}
FROM {assignment} a
JOIN {sample} s ON s.id = a.sample_id
JOIN {project} p ON p.id = s.project_id
JOIN {rubric} r ON r.id = p.rubric_id
LEFT JOIN {draft} d ON d.assignment_id = a.id
WHERE a.id = %(pk)s AND a.reviewer_id = %(user)s
{lock}
"""
_LEASE_MODELS = (Assignment, Sample, Project, Rubric, ReviewDraft)
# lease.sample, lease.project, lease.draft, sample.project, project.rubric, draft.assignment
_LEASE_LINKS = ((0, "sample", 1), (0, "project", 2), (0, "draft", 4), (1, "project", 2))
_LEASE_LINKS += ((2, "rubric", 3), (4, "assignment", 0))


@functools.cache
def _lock_lease_sql(vendor: str) -> str:
    return LOCK_LEASE.format(
        columns=", ".join(
            columns(alias, model) for alias, model in zip("asprd", _LEASE_MODELS, strict=True)
        ),
        assignment=Assignment._meta.db_table,
        sample=Sample._meta.db_table,
        project=Project._meta.db_table,
        rubric=Rubric._meta.db_table,
        draft=ReviewDraft._meta.db_table,
        lock="FOR UPDATE OF a" if vendor == "postgresql" else "",
    )


def _lock_lease(*, pk, user) -> Assignment | None:
    """The caller's assignment `pk`, locked, with its sample, project, rubric and draft loaded
    in one prepared statement (the submit's first and costliest read); None if not theirs."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    row = fetchone_hot(_lock_lease_sql(connection.vendor), {"pk": pk, "user": user.pk})
    if row is None:
        return None
    lease, _, _, _, _ = linked(row, _LEASE_MODELS, _LEASE_LINKS)
    return lease


def _audit_after(review: Review) -> dict[str, Any]:
    return {**_content(review), "revision": review.revision, "sample": review.sample_id}


@transaction.atomic
def review_submit(
    *,
    assignment_id: int,
    user,
    grades,
    verdict: str,
    corrected_answer: str = "",
    rationale: str = "",
    flags=None,
    client_key: str = "",
    source: str = Review.Source.WEB,
    time_on_task_ms: int | None = None,
) -> Submitted:
    """Submit the review of the caller's assignment `assignment_id` (NotFound if it is not
    theirs); a retry with the same client key, or with the same content, is a no-op."""
    physician_text_check({"corrected_answer": corrected_answer, "rationale": rationale})
    client_key = (client_key or "").strip()[:100]
    # The lock makes a concurrent retry wait for the first submit, then find its review.
    locked = _lock_lease(pk=assignment_id, user=user)
    if locked is None:
        raise NotFound("No such assignment.")
    if locked.sample.quarantined:
        raise quarantined_error()
    if client_key:
        earlier = Review.objects.filter(reviewer_id=user.pk, client_key=client_key).first()
        if earlier is not None:
            if earlier.assignment_id != locked.pk:
                raise Conflict(
                    "This client key was already used for a different sample.", field="client_key"
                )
            return Submitted(review=earlier, created=False)
    physician_for_review(user)
    sample = locked.sample
    clean = _validated(
        sample=sample,
        grades=grades,
        verdict=verdict,
        corrected_answer=corrected_answer,
        rationale=rationale,
        flags=flags,
    )

    if locked.status == Assignment.Status.SUBMITTED:
        existing = Review.objects.filter(assignment=locked).first()
        if existing is not None and _content(existing) == clean:
            return Submitted(review=existing, created=False)  # retried without a client key
        raise Conflict(
            "This sample is already reviewed; amend your review instead.", field="assignment"
        )
    if locked.status == Assignment.Status.SKIPPED:
        raise Conflict("You skipped this sample; it cannot be reviewed now.", field="assignment")
    if locked.status == Assignment.Status.EXPIRED and not sample.is_gold:
        # The sweep gave the slot back; take it again if nobody else has.
        retaken = Sample.objects.filter(pk=sample.pk, slots_open__gt=0).update(
            slots_open=F("slots_open") - 1
        )
        if not retaken:
            raise Conflict(
                "Your lease on this sample expired and it went to other reviewers.",
                code="lease_expired",
                field="assignment",
            )
    if sample.status == Sample.Status.SETTLED:
        raise Conflict("This sample is already settled.", field="assignment")

    now = timezone.now()
    if time_on_task_ms is None:
        time_on_task_ms = max(0, int((now - locked.served_at).total_seconds() * 1000))
    try:
        # No savepoint: a clash (a review of this sample that came in through an import)
        # ends the whole transaction, which rolls back as the Conflict leaves it.
        review, revision = _first_version(
            sample=sample,
            reviewer_id=user.pk,
            lease=locked,
            clean=clean,
            is_model=False,
            source=source,
            client_key=client_key,
            time_on_task_ms=time_on_task_ms,
            submitted_at=now,
        )
    except IntegrityError:
        raise Conflict(
            "You already reviewed this sample; amend that review instead.", field="assignment"
        )
    with_prefetched(review, "revisions", [revision])
    _lease_done(locked, now)
    if _counts(sample=sample, is_model=False):
        review_counted(sample_id=sample.pk, overlap=sample.project.overlap)
    draft = getattr(locked, "draft", None)  # a reverse one-to-one: no draft raises
    if draft is not None:
        draft.delete()
    audit_record(
        actor=user,
        action="review.submit",
        obj=review,
        object_repr=f"review {review.pk} of sample {sample.pk}",
        after=_audit_after(review),
    )
    return Submitted(review=review, created=True)


def _amend(*, review: Review, sample: Sample, clean: dict[str, Any], actor) -> Review:
    before = _audit_after(review)
    for name, value in clean.items():
        setattr(review, name, value)
    review.revision += 1
    criteria = _criteria(sample) if review.rubric_id == sample.project.rubric_id else None
    review.save(update_fields=[*CONTENT_FIELDS, "revision", "updated_at"], criteria=criteria)
    _write_revision(review)
    audit_record(
        actor=actor,
        action="review.amend",
        obj=review,
        object_repr=f"review {review.pk} of sample {review.sample_id}",
        before=before,
        after=_audit_after(review),
    )
    return review


@transaction.atomic
def review_amend(
    *,
    review: Review,
    user,
    grades,
    verdict: str,
    corrected_answer: str = "",
    rationale: str = "",
    flags=None,
) -> Review:
    """Change one's own review while its sample is open; each change is a new revision."""
    physician_text_check({"corrected_answer": corrected_answer, "rationale": rationale})
    locked = (
        Review.objects.select_for_update(of=("self",))
        .select_related("sample__project__rubric")
        .filter(pk=review.pk, reviewer_id=user.pk)
        .first()
    )
    if locked is None:
        raise NotFound("No such review.")
    physician_for_review(user)
    frozen = amend_refusal(locked.sample)
    if frozen is not None:
        raise Conflict(frozen[1], code=frozen[0], field="review")
    clean = _validated(
        sample=locked.sample,
        grades=grades,
        verdict=verdict,
        corrected_answer=corrected_answer,
        rationale=rationale,
        flags=flags,
    )
    if _content(locked) == clean:
        return locked
    return _amend(review=locked, sample=locked.sample, clean=clean, actor=user)


@transaction.atomic
def review_record(
    *,
    sample: Sample,
    reviewer,
    grades,
    verdict: str,
    corrected_answer: str = "",
    rationale: str = "",
    flags=None,
    submitted_at: datetime | None = None,
    source: str,
    external_ref: str = "",
    is_model: bool = False,
    actor=None,
    line: int | None = None,
    file: str | None = None,
) -> Recorded:
    """Record a review that arrived without a lease (import, Label Studio).

    Idempotent: the same (sample, reviewer) or the same external reference with the same
    content is "unchanged"; different content amends it ("amended") until the sample settles.
    """
    sample = Sample.objects.select_related("project__rubric").get(pk=sample.pk)
    physician = getattr(reviewer, "physician", None)
    is_model = bool(is_model or (physician is not None and physician.is_model))
    clean = _validated(
        sample=sample,
        grades=grades,
        verdict=verdict,
        corrected_answer=corrected_answer,
        rationale=rationale,
        flags=flags,
        line=line,
        file=file,
    )
    external_ref = (external_ref or "")[:100]
    existing = (
        Review.objects.select_for_update(of=("self",))
        .filter(sample=sample, reviewer_id=reviewer.pk)
        .first()
    )
    if existing is None and external_ref:
        existing = (
            Review.objects.select_for_update(of=("self",))
            .filter(project_id=sample.project_id, source=source, external_ref=external_ref)
            .first()
        )
    if existing is not None:
        if _content(existing) == clean:
            return Recorded(review=existing, outcome="unchanged")
        frozen = amend_refusal(sample)
        if frozen is not None:
            raise Conflict(
                f"Sample {sample.external_id}: {frozen[1]}",
                code=frozen[0],
                field="sample_id",
                line=line,
                file=file,
            )
        amended = _amend(review=existing, sample=sample, clean=clean, actor=actor or reviewer)
        return Recorded(review=amended, outcome="amended")

    now = timezone.now()
    lease = (
        Assignment.objects.select_for_update()
        .filter(sample=sample, reviewer_id=reviewer.pk, status=Assignment.Status.LEASED)
        .first()
    )
    review, _ = _first_version(
        sample=sample,
        reviewer_id=reviewer.pk,
        lease=lease,
        clean=clean,
        is_model=is_model,
        source=source,
        external_ref=external_ref,
        submitted_at=submitted_at or now,
    )
    if lease is not None:
        _lease_done(lease, now)  # the reviewer's own lease already holds the slot
    if _counts(sample=sample, is_model=is_model):
        if lease is None:
            # A review from elsewhere takes a place if one is open; history is recorded anyway.
            Sample.objects.filter(pk=sample.pk, slots_open__gt=0).update(
                slots_open=F("slots_open") - 1
            )
        review_counted(sample_id=sample.pk, overlap=sample.project.overlap)
    audit_record(
        actor=actor or reviewer,
        action="review.record",
        obj=review,
        object_repr=f"review {review.pk} of sample {sample.pk}",
        after={**_audit_after(review), "source": source, "external_ref": external_ref},
    )
    return Recorded(review=review, outcome="created")


@transaction.atomic
def review_draft_save(*, assignment: Assignment, user, payload: dict) -> ReviewDraft:
    """Upsert the autosaved form state of a live lease (only the latest is kept)."""
    physician_text_check({"payload": payload})
    if not isinstance(payload, dict):
        raise DomainError("must be an object", field="payload")
    locked = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("sample")
        .filter(pk=assignment.pk, reviewer_id=user.pk)
        .first()
    )
    if locked is None:
        raise NotFound("No such assignment.")
    if locked.sample.quarantined:
        raise quarantined_error()
    if locked.status != Assignment.Status.LEASED:
        raise Conflict(
            f"This assignment is {locked.status}; there is nothing to save a draft for.",
            field="assignment",
        )
    draft, created = ReviewDraft.objects.update_or_create(
        assignment=locked, defaults={"payload": payload}
    )
    if created:
        # Autosave runs every few seconds: the first save is audited, later ones overwrite it.
        audit_record(
            actor=user,
            action="review_draft.create",
            obj=draft,
            object_repr=f"draft of assignment {locked.pk}",
        )
    return draft
