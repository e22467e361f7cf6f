"""The assignment engine: who gets which sample next, leases, skips and the expiry sweep.

Correctness rests on the database, not on counting:

- `Sample.slots_open` starts at the project's overlap k. Taking a sample is a conditional
  decrement (`... SET slots_open = slots_open - 1 WHERE id = %s AND slots_open > 0`) whose row
  count decides; the CHECK constraint `slots_open >= 0` backs it. READ COMMITTED can therefore
  never hand out more than k leases and reviews per sample, whatever the interleaving.
- `Assignment` is unique per (sample, reviewer), so one physician in two tabs can never hold the
  same sample twice; on the general path the physician's own row is locked for the length of a
  pull, so two tabs get the same live lease instead of two. The one-statement fast path
  (`assignment_fast.py`) takes no such lock: two tabs pulling at the same instant may each get
  a lease, on different samples.
- On PostgreSQL the pick is `FOR UPDATE SKIP LOCKED`, so concurrent pickers spread over the queue
  instead of queueing behind one row. On SQLite (the demo) writers are serialised by the database
  and the same conditional decrement keeps the result correct.

Gold items (`Sample.is_gold`, reference grades in `gold_grades`) are measurement items: any
eligible physician may get each one once, they never use a slot, and they are mixed in at the
project's `gold_rate`. The payload a physician sees is the same for gold and regular samples.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from annotators.models import Physician
from core.audit import audit_bulk, audit_record
from core.errors import Conflict, DomainError, NotFound
from core.models import AuditEvent
from curation.models import Assignment, Project, Review, ReviewDraft, Sample
from curation.models.review import SkipReason
from curation.reviewing import eligibility
from curation.reviewing.assignment_fast import next_fast
from curation.reviewing.assignment_sql import PG_EXPIRE, physician_sql, pick_sql, who_sql

_rng = random.SystemRandom()


# --- eligibility (the rules are in curation.reviewing.eligibility) ----------------------------


@dataclass(frozen=True)
class Lease:
    """The answer to a pull: the lease, and whether it is one the physician already held."""

    assignment: Assignment
    resumed: bool


def _refuse(rule: eligibility.Rule, **names) -> DomainError:
    return DomainError(rule.message.format(**names), code=rule.code, status=rule.status)


def physician_for_review(user, *, lock: bool = False) -> Physician:
    """The caller's physician profile if they may review now; a clear error otherwise.

    Hand-written SQL: every write of the workflow asks this, some twice (the permission, then
    the service), and building the ORM query cost three times as much as running it."""
    lock = lock and connection.features.has_select_for_update_of
    found = list(Physician.objects.raw(physician_sql(lock=lock), [user.pk]))
    physician = found[0] if found else None
    values = None
    if physician is not None:
        values = eligibility.physician_values(physician, user_is_active=physician.user_is_active)
    return _check_physician(physician, values)


def _check_physician(physician: Physician | None, values: dict | None) -> Physician:
    refusal = eligibility.physician_refusal(values)
    if refusal is not None:
        reason = physician.status_reason if physician is not None else ""
        raise _refuse(refusal, reason=f" Reason: {reason}" if reason else "")
    return physician


def _check_project(*, project: Project, member: bool) -> None:
    refusal = eligibility.project_refusal(project)
    if refusal is not None:
        raise _refuse(refusal, name=project.name)
    if not member:
        raise _refuse(eligibility.NOT_MEMBER, name=project.name)


def _start_of_day(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _check_caps(*, user, physician: Physician, project: Project, now: datetime) -> None:
    """Caps count reviews already in plus live leases, so a cap can never be overshot."""
    if physician.daily_cap is not None:
        done = Review.objects.filter(
            reviewer_id=user.pk, submitted_at__gte=_start_of_day(now), is_model=False
        ).count()
        held = Assignment.objects.filter(
            reviewer_id=user.pk, status=Assignment.Status.LEASED, expires_at__gt=now
        ).count()
        if done + held >= physician.daily_cap:
            raise DomainError(
                f"You have reached your daily cap of {physician.daily_cap} reviews; "
                "no more samples today.",
                code="cap_reached",
                status=409,
            )
    if project.per_physician_cap is not None:
        done = Review.objects.filter(reviewer_id=user.pk, project=project).count()
        held = Assignment.objects.filter(
            reviewer_id=user.pk, project=project, status=Assignment.Status.LEASED
        ).count()
        if done + held >= project.per_physician_cap:
            raise DomainError(
                f"You have reached this project's cap of {project.per_physician_cap} reviews "
                "per physician; no more samples from it.",
                code="cap_reached",
                status=409,
            )


def _who(*, user, project: Project) -> tuple[Physician, bool, int | None]:
    """In one query: the caller's physician row (locked, which serialises one person's pulls
    from two tabs and keeps caps exact), whether a live cohort opens the project to them, and
    their current lease in it. Hand-written SQL: this runs on every pull."""
    with connection.cursor() as cursor:
        cursor.execute(who_sql(connection.vendor), {"user": user.pk, "project": project.pk})
        row = cursor.fetchone()
    if row is None:
        _check_physician(None, None)
    pk, status, reason, verification, is_model, daily_cap, is_active, member, current = row
    physician = Physician(
        pk=pk,
        user_id=user.pk,
        status=status,
        status_reason=reason,
        verification=verification,
        is_model=bool(is_model),
        daily_cap=daily_cap,
    )
    _check_physician(physician, eligibility.physician_values(physician, user_is_active=is_active))
    return physician, bool(member), current


# --- the pick ---------------------------------------------------------------------------------


def _candidates(*, user, physician: Physician, project: Project, gold: bool):
    """The ORM form of the pick, used off PostgreSQL."""
    return eligibility.candidates(
        project=project, user_id=user.pk, physician_id=physician.pk, gold=gold
    )


def _lease(*, user, project: Project, sample_id: int, now: datetime) -> Assignment:
    return Assignment.objects.create(
        project=project,
        sample_id=sample_id,
        reviewer_id=user.pk,
        status=Assignment.Status.LEASED,
        served_at=now,
        expires_at=now + timedelta(minutes=project.lease_minutes),
    )


def _take_regular(
    *, user, physician: Physician, project: Project, now: datetime
) -> Assignment | None:
    """Pick a regular sample, take one of its slots and lease it to the user."""
    expires_at = now + timedelta(minutes=project.lease_minutes)
    if connection.vendor == "postgresql":
        # One statement: pick (skipping rows others hold), decrement, insert the lease.
        sql = pick_sql(gold=False, specialty_match=project.specialty_match)
        params = {
            "project": project.pk,
            "user": user.pk,
            "physician": physician.pk,
            "now": now,
            "expires": expires_at,
        }
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        return Assignment(
            pk=row[0],
            project=project,
            sample_id=row[1],
            reviewer_id=user.pk,
            status=Assignment.Status.LEASED,
            served_at=now,
            expires_at=expires_at,
        )
    # Elsewhere (SQLite): writers are serialised, and the conditional decrement still decides.
    ordered = _candidates(user=user, physician=physician, project=project, gold=False)
    for sample_id in ordered.values_list("id", flat=True)[:20]:
        taken = Sample.objects.filter(pk=sample_id, slots_open__gt=0).update(
            slots_open=F("slots_open") - 1, updated_at=now
        )
        if taken:
            return _lease(user=user, project=project, sample_id=sample_id, now=now)
    return None


def _pick_gold(*, user, physician: Physician, project: Project) -> int | None:
    if connection.vendor == "postgresql":
        sql = pick_sql(gold=True, specialty_match=project.specialty_match)
        params = {
            "project": project.pk,
            "user": user.pk,
            "physician": physician.pk,
            "salt": eligibility.gold_salt(user.pk),
        }
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return row[0] if row else None
    qs = _candidates(user=user, physician=physician, project=project, gold=True)
    return qs.values_list("id", flat=True).first()


def _renew(*, assignment: Assignment, project: Project, user, now: datetime) -> Assignment | None:
    """Revive the caller's own stale lease if the sweep has not taken it yet."""
    expires_at = now + timedelta(minutes=project.lease_minutes)
    renewed = Assignment.objects.filter(pk=assignment.pk, status=Assignment.Status.LEASED).update(
        expires_at=expires_at
    )
    if not renewed:
        return None
    assignment.expires_at = expires_at
    audit_record(
        actor=user,
        action="assignment.renew",
        obj=assignment,
        object_repr=f"assignment {assignment.pk}",
        after={"expires_at": expires_at.isoformat()},
    )
    return assignment


def assignment_next(*, user, project: Project, rng: random.Random | None = None) -> Lease | None:
    """Lease the next sample of `project` for `user`; None when nothing is left for them.

    Returns the caller's live lease in the project first (`resumed`), so a reload never burns
    samples. The lease comes with its sample, project, draft and review loaded.
    Raises DomainError with code `not_allowed`, `project_paused` or `cap_reached`.
    """
    gold = project.gold_rate > 0 and (rng or _rng).random() < project.gold_rate
    if connection.vendor == "postgresql" and not gold and eligibility.fast_path_may_serve(project):
        assignment = next_fast(user=user, project=project)
        if assignment is not None:
            return Lease(assignment=assignment, resumed=False)
    return _next_general(user=user, project=project, gold=gold)


def _loaded(pk: int) -> Assignment:
    return Assignment.objects.select_related(
        "project", "sample__specialty", "sample__project", "draft", "review"
    ).get(pk=pk)


@transaction.atomic
def _next_general(*, user, project: Project, gold: bool) -> Lease | None:
    now = timezone.now()
    physician, member, current_id = _who(user=user, project=project)
    _check_project(project=project, member=member)

    if current_id is not None:
        held = _loaded(current_id)
        if held.expires_at > now:
            return Lease(assignment=held, resumed=True)
        renewed = _renew(assignment=held, project=project, user=user, now=now)
        if renewed is not None:
            return Lease(assignment=renewed, resumed=True)

    _check_caps(user=user, physician=physician, project=project, now=now)

    lease = None
    if gold:
        gold_id = _pick_gold(user=user, physician=physician, project=project)
        if gold_id is not None:
            lease = _lease(user=user, project=project, sample_id=gold_id, now=now)
    if lease is None:
        lease = _take_regular(user=user, physician=physician, project=project, now=now)
    if lease is None and assignments_expire(now=now, project=project):
        # Stale leases still held slots: they are back in the pool now, so look once more.
        lease = _take_regular(user=user, physician=physician, project=project, now=now)
    if lease is None:
        return None
    audit_record(
        actor=user,
        action="assignment.lease",
        obj=lease,
        object_repr=f"assignment {lease.pk}",
        after={"sample": lease.sample_id, "project": project.slug},
    )
    return Lease(assignment=_loaded(lease.pk), resumed=False)


# --- skip and expiry --------------------------------------------------------------------------


def _return_slot(*, sample_id: int) -> None:
    """Give a regular sample's slot back (gold samples never took one)."""
    Sample.objects.filter(pk=sample_id, is_gold=False).update(slots_open=F("slots_open") + 1)


@transaction.atomic
def assignment_skip(*, assignment: Assignment, user, reason: str, note: str = "") -> Assignment:
    """Hand a leased sample back with a reason; the physician never gets it again."""
    if reason not in SkipReason.values:
        allowed = ", ".join(SkipReason.values)
        raise DomainError(f"must be one of {allowed}, got {reason!r}", field="reason")
    locked = (
        Assignment.objects.select_for_update().filter(pk=assignment.pk, reviewer_id=user.pk).first()
    )
    if locked is None:
        raise NotFound("No such assignment.")
    physician_for_review(user)
    if locked.status == Assignment.Status.SKIPPED:
        return locked  # a retried skip
    if locked.status == Assignment.Status.SUBMITTED:
        raise Conflict("This sample is already reviewed; it cannot be skipped.", field="status")
    held_slot = locked.status == Assignment.Status.LEASED
    now = timezone.now()
    locked.status = Assignment.Status.SKIPPED
    locked.skip_reason = reason
    locked.skip_note = (note or "").strip()
    locked.completed_at = now
    locked.save(update_fields=["status", "skip_reason", "skip_note", "completed_at"])
    if held_slot:
        _return_slot(sample_id=locked.sample_id)
    ReviewDraft.objects.filter(assignment=locked).delete()
    audit_record(
        actor=user,
        action="assignment.skip",
        obj=locked,
        object_repr=f"assignment {locked.pk}",
        after={"reason": reason, "note": locked.skip_note},
    )
    return locked


@transaction.atomic
def assignments_expire(*, now: datetime | None = None, project: Project | None = None) -> int:
    """Expire leases past their time and return their slots; each lease once. Returns count."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        sql = PG_EXPIRE.format(
            assignment=Assignment._meta.db_table,
            sample=Sample._meta.db_table,
            project="AND project_id = %(project)s" if project is not None else "",
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, {"now": now, "project": project.pk if project else None})
            expired = cursor.fetchall()
    else:
        stale = Assignment.objects.filter(status=Assignment.Status.LEASED, expires_at__lte=now)
        if project is not None:
            stale = stale.filter(project=project)
        expired = []
        for pk, sample_id, reviewer_id in stale.values_list("pk", "sample_id", "reviewer_id"):
            # The status guard makes each expiry happen once, even beside a concurrent sweep.
            if Assignment.objects.filter(pk=pk, status=Assignment.Status.LEASED).update(
                status=Assignment.Status.EXPIRED, completed_at=now
            ):
                _return_slot(sample_id=sample_id)
                expired.append((pk, sample_id, reviewer_id))
    if expired:
        audit_bulk(
            [
                AuditEvent(
                    actor=None,
                    actor_label="system",
                    action="assignment.expire",
                    object_type=Assignment._meta.label_lower,
                    object_id=str(pk),
                    object_repr=f"assignment {pk}",
                    after={"sample": sample_id, "reviewer": reviewer_id},
                )
                for pk, sample_id, reviewer_id in expired
            ]
        )
    return len(expired)
