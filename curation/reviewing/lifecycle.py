"""Every change of a sample's status, and of its quarantine, in one module.

    open -> complete              `review_counted`       (SQL `COUNT_REVIEW` | `_counted_orm`)
    complete -> settled
             -> adjudication      `samples_settle`       (SQL `SETTLE_SQL`   | `_settle_orm`)
    adjudication -> settled       `sample_adjudicated`   (one ORM update, every database)
    quarantine                    `sample_quarantine`, `samples_quarantined`
                                  (leases revoked: SQL `REVOKE_SQL` | `_revoke_orm`)
    release                       `sample_release`

Nothing else writes `Sample.status` or `Sample.quarantined` after a sample is created (the
import writes the flag of new and re-imported rows, then calls `samples_quarantined`). The hot
transitions are hand-written SQL on PostgreSQL; each has an ORM twin right beside it, which
SQLite (the demo) runs. `tests/curation/reviewing/test_lifecycle_parity.py` drives both forms
of each and demands the same rows.

A quarantined sample is withheld from everyone: its live leases are revoked (marked expired,
their slots given back, their drafts dropped), submit and draft answer 409 `quarantined`, and
pages and the API show no content. A release puts it back in the queue with the slots it has.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from core.audit import audit_bulk, audit_record
from core.errors import Conflict, DomainError
from core.models import AuditEvent
from core.pgcopy import fetch_int8_arrays

from ..models import Assignment, Project, Review, ReviewDraft, Sample

QUARANTINED = "quarantined"


def quarantined_error(*, field: str = "assignment") -> Conflict:
    """The one refusal for work on a quarantined sample (409, code `quarantined`)."""
    return Conflict(
        "This sample is in quarantine: it may contain patient identifiers, so it is withheld "
        "and cannot be reviewed until an admin releases it.",
        code=QUARANTINED,
        field=field,
    )


def _postgres() -> bool:
    return connection.vendor == "postgresql"


# --- open -> complete -------------------------------------------------------------------------

# Counted in SQL, so two submits at once never lose one; written by hand, as every submit runs it.
COUNT_REVIEW = """
UPDATE {sample} SET
    reviews_done = reviews_done + 1,
    status = CASE WHEN status = 'open' AND reviews_done >= %(overlap)s - 1
                  THEN 'complete' ELSE status END,
    updated_at = %(now)s
WHERE id = %(pk)s
"""


def review_counted(*, sample_id: int, overlap: int, now: datetime | None = None) -> None:
    """One more review in; the sample is complete once the project's k reviews are in."""
    now = now or timezone.now()
    if _postgres():
        _counted_sql(sample_id=sample_id, overlap=overlap, now=now)
    else:
        _counted_orm(sample_id=sample_id, overlap=overlap, now=now)


def _counted_sql(*, sample_id: int, overlap: int, now: datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            COUNT_REVIEW.format(sample=Sample._meta.db_table),
            {"pk": sample_id, "overlap": overlap, "now": now},
        )


def _counted_orm(*, sample_id: int, overlap: int, now: datetime) -> None:
    Sample.objects.filter(pk=sample_id).update(
        reviews_done=F("reviews_done") + 1,
        status=Case(
            When(
                status=Sample.Status.OPEN,
                reviews_done__gte=overlap - 1,
                then=Value(Sample.Status.COMPLETE.value),
            ),
            default=F("status"),
        ),
        updated_at=now,
    )


# --- complete -> settled | adjudication -------------------------------------------------------


def samples_to_decide(project: Project) -> list[int]:
    """Ids of the samples `samples_settle` will settle or queue (none on most runs; PostgreSQL).

    An index probe. The statistics still count the samples a run has just settled as complete,
    so the planner would scan the table; the probe alone runs with sequential scans off.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        (ids,) = fetch_int8_arrays(
            "SELECT array_send(array_agg(id::int8)) FROM curation_sample"
            " WHERE project_id = %s AND status = 'complete' AND NOT quarantined",
            [project.pk],
        )
        cursor.execute("SET LOCAL enable_seqscan = on")
    return ids


SETTLE_SQL = """
WITH todo AS MATERIALIZED (
    SELECT s.id, c.min_confidence >= %(threshold)s AS settle, c.grades, c.verdict,
           c.answer_from_id
    FROM curation_sample s JOIN curation_consensuslabel c ON c.sample_id = s.id
    WHERE s.project_id = %(project)s AND s.status = 'complete' AND NOT s.quarantined
      AND c.n_reviews >= %(overlap)s
), done AS (
    UPDATE curation_sample SET
        status = CASE WHEN todo.settle THEN 'settled' ELSE 'adjudication' END,
        final_grades = CASE WHEN todo.settle THEN todo.grades
            ELSE curation_sample.final_grades END,
        final_verdict = CASE WHEN todo.settle THEN todo.verdict
            ELSE curation_sample.final_verdict END,
        final_answer = CASE
            WHEN NOT todo.settle THEN curation_sample.final_answer
            WHEN todo.verdict = 'accept' THEN curation_sample.answer
            WHEN todo.verdict = 'revise' THEN COALESCE((
                SELECT r.corrected_answer FROM curation_review r
                WHERE r.sample_id = curation_sample.id AND r.reviewer_id = todo.answer_from_id
            ), '')
            ELSE '' END,
        final_source = CASE WHEN todo.settle THEN 'consensus'
            ELSE curation_sample.final_source END,
        settled_at = CASE WHEN todo.settle THEN %(now)s ELSE curation_sample.settled_at END,
        updated_at = %(now)s
    FROM todo
    WHERE curation_sample.id = todo.id AND curation_sample.status = 'complete'
    RETURNING todo.settle
)
SELECT count(*) FILTER (WHERE settle), count(*) FILTER (WHERE NOT settle) FROM done
"""


def samples_settle(*, project: Project, now: datetime | None = None) -> tuple[int, int]:
    """Complete samples whose consensus is confident enough settle; the rest go to a lead.

    Runs after the agreement job stored its consensus labels, in the same transaction. Guarded
    on status "complete" and never touches a quarantined sample, so a re-run never changes what
    is settled or adjudicated. Returns (settled, sent to adjudication).
    """
    now = now or timezone.now()
    threshold = float(project.consensus_threshold) - 1e-9
    if not _postgres():
        return _settle_orm(project=project, threshold=threshold, now=now)
    if not len(samples_to_decide(project)):  # most re-runs: nothing complete
        return 0, 0
    return _settle_sql(project=project, threshold=threshold, now=now)


def _settle_sql(*, project: Project, threshold: float, now: datetime) -> tuple[int, int]:
    params = {"threshold": threshold, "project": project.pk, "overlap": project.overlap}
    with connection.cursor() as cursor:
        cursor.execute(SETTLE_SQL, {**params, "now": now})
        settled, queued = cursor.fetchone()
    return int(settled), int(queued)


def _settle_orm(*, project: Project, threshold: float, now: datetime) -> tuple[int, int]:
    """The same decisions row by row (SQLite)."""
    todo = Sample.objects.filter(
        project=project,
        status=Sample.Status.COMPLETE,
        quarantined=False,
        consensus__n_reviews__gte=project.overlap,
    ).select_related("consensus")
    changed, settled = [], 0
    for sample in todo:
        label = sample.consensus
        sample.updated_at = now
        if label.min_confidence < threshold:
            sample.status = Sample.Status.ADJUDICATION
            changed.append(sample)
            continue
        settled += 1
        sample.status = Sample.Status.SETTLED
        sample.final_grades = label.grades
        sample.final_verdict = label.verdict
        sample.final_source = "consensus"
        sample.settled_at = now
        if label.verdict == "accept":
            sample.final_answer = sample.answer
        elif label.verdict == "revise":
            correction = Review.objects.filter(
                sample=sample, reviewer_id=label.answer_from_id
            ).values_list("corrected_answer", flat=True)
            sample.final_answer = correction.first() or ""
        else:
            sample.final_answer = ""
        changed.append(sample)
    fields = ["status", "final_grades", "final_verdict", "final_answer", "final_source"]
    Sample.objects.bulk_update(changed, [*fields, "settled_at", "updated_at"], batch_size=500)
    return settled, len(changed) - settled


# --- adjudication -> settled ------------------------------------------------------------------


def sample_adjudicated(
    *, sample_id: int, grades: dict, verdict: str, final_answer: str, now: datetime | None = None
) -> bool:
    """A lead's decision settles a sample in adjudication; False if it was not waiting."""
    now = now or timezone.now()
    return bool(
        Sample.objects.filter(pk=sample_id, status=Sample.Status.ADJUDICATION).update(
            status=Sample.Status.SETTLED,
            final_grades=grades,
            final_verdict=verdict,
            final_answer=final_answer,
            final_source="adjudication",
            settled_at=now,
            updated_at=now,
        )
    )


# --- quarantine and release -------------------------------------------------------------------

# Every live lease of the samples ends now; each regular sample gets its slots back.
REVOKE_SQL = """
WITH revoked AS (
    UPDATE {assignment} SET status = 'expired', completed_at = %(now)s
    WHERE sample_id = ANY(%(ids)s) AND status = 'leased'
    RETURNING id, sample_id, reviewer_id
), returned AS (
    UPDATE {sample} s SET slots_open = s.slots_open + r.n
    FROM (SELECT sample_id, count(*) AS n FROM revoked GROUP BY sample_id) r
    WHERE s.id = r.sample_id AND NOT s.is_gold
), dropped AS (
    DELETE FROM {draft} d USING revoked WHERE d.assignment_id = revoked.id
)
SELECT id, sample_id, reviewer_id FROM revoked ORDER BY id
"""


def _revoke_sql(*, sample_ids: list[int], now: datetime) -> list[tuple[int, int, int]]:
    sql = REVOKE_SQL.format(
        assignment=Assignment._meta.db_table,
        sample=Sample._meta.db_table,
        draft=ReviewDraft._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"ids": sample_ids, "now": now})
        return [tuple(row) for row in cursor.fetchall()]


def _revoke_orm(*, sample_ids: list[int], now: datetime) -> list[tuple[int, int, int]]:
    live = Assignment.objects.filter(sample_id__in=sample_ids, status=Assignment.Status.LEASED)
    revoked = []
    for pk, sample_id, reviewer_id in live.order_by("pk").values_list(
        "pk", "sample_id", "reviewer_id"
    ):
        # The status guard ends each lease once, even beside a concurrent sweep or submit.
        if Assignment.objects.filter(pk=pk, status=Assignment.Status.LEASED).update(
            status=Assignment.Status.EXPIRED, completed_at=now
        ):
            Sample.objects.filter(pk=sample_id, is_gold=False).update(
                slots_open=F("slots_open") + 1
            )
            revoked.append((pk, sample_id, reviewer_id))
    ReviewDraft.objects.filter(assignment_id__in=[pk for pk, _, _ in revoked]).delete()
    return revoked


def leases_revoke(*, sample_ids: Iterable[int], actor, reason: str = QUARANTINED) -> int:
    """End every live lease of the samples and give their slots back; audited. Returns count."""
    ids = sorted({int(pk) for pk in sample_ids})
    if not ids:
        return 0
    now = timezone.now()
    revoke = _revoke_sql if _postgres() else _revoke_orm
    revoked = revoke(sample_ids=ids, now=now)
    actor_id = getattr(actor, "pk", None)
    audit_bulk(
        [
            AuditEvent(
                actor_id=actor_id,
                actor_label=_label(actor),
                action="assignment.revoke",
                object_type=Assignment._meta.label_lower,
                object_id=str(pk),
                object_repr=f"assignment {pk}",
                after={"sample": sample_id, "reviewer": reviewer_id, "reason": reason},
            )
            for pk, sample_id, reviewer_id in revoked
        ]
    )
    return len(revoked)


def _label(actor) -> str:
    if actor is None:
        return "system"
    return (getattr(actor, "email", "") or getattr(actor, "username", "") or str(actor))[:200]


@transaction.atomic
def sample_quarantine(*, sample: Sample, actor, reasons: list[dict] | None = None) -> Sample:
    """Withhold a sample: out of the queue, its live leases revoked, its content hidden.

    A retry on a sample already in quarantine changes nothing.
    """
    locked = Sample.objects.select_for_update().get(pk=sample.pk)
    if locked.quarantined:
        return locked
    reasons = list(reasons or [{"kind": "manual", "field": "sample"}])
    Sample.objects.filter(pk=locked.pk).update(
        quarantined=True, quarantine_reasons=reasons, updated_at=timezone.now()
    )
    audit_record(
        actor=actor,
        action="sample.quarantine",
        obj=locked,
        before={"quarantined": False},
        after={"quarantined": True, "quarantine_reasons": reasons},
    )
    leases_revoke(sample_ids=[locked.pk], actor=actor)
    locked.refresh_from_db()
    return locked


def samples_quarantined(*, sample_ids: Iterable[int], actor) -> int:
    """The import (or a redaction) has just flagged these samples: revoke their live leases."""
    return leases_revoke(sample_ids=sample_ids, actor=actor)


@transaction.atomic
def sample_release(*, sample: Sample, actor, note: str) -> Sample:
    """Lets a quarantined sample be served and exported; the reasons stay in the audit log.

    Its revoked leases gave their slots back, so it is in the queue again with every place it
    has left.
    """
    note = (note or "").strip()
    if not note:
        raise DomainError("is required: say why the sample is safe to release", field="note")
    locked = Sample.objects.select_for_update().get(pk=sample.pk)
    if not locked.quarantined:
        return locked  # already released: a retry changes nothing
    reasons = locked.quarantine_reasons
    Sample.objects.filter(pk=locked.pk).update(quarantined=False, updated_at=timezone.now())
    audit_record(
        actor=actor,
        action="sample.release",
        obj=locked,
        before={"quarantined": True, "quarantine_reasons": reasons},
        after={"quarantined": False, "note": note},
    )
    locked.refresh_from_db()
    return locked
