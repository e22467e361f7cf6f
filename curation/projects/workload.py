"""Workload controls of the admin console: suspension that also empties the physician's queue,
per-project caps, and pausing a project.

Suspension lives in `annotators` (it knows nothing of samples); releasing the physician's leases
is a curation matter, so the two are joined here, in the higher app, in one transaction.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from annotators.models import Physician
from annotators.services import physician_suspend
from core.audit import audit_bulk, audit_record
from core.errors import DomainError
from core.models import AuditEvent
from curation.models import Assignment, Project, Sample


@transaction.atomic
def assignments_release_for_user(*, user, actor, reason: str = "") -> int:
    """Hand back every lease the user holds: each slot returns to its sample's pool.

    Leases past their time that the sweep has not reached yet are released too (they still hold
    a slot). The rows are locked first, so a concurrent submit either lands before (and its lease
    is no longer `leased`) or finds the lease released. Returns how many were released.
    """
    held = list(
        Assignment.objects.select_for_update()
        .filter(reviewer_id=user.pk, status=Assignment.Status.LEASED)
        .order_by("pk")
        .values_list("pk", "sample_id", "project_id")
    )
    if not held:
        return 0
    now = timezone.now()
    Assignment.objects.filter(pk__in=[pk for pk, _, _ in held]).update(
        status=Assignment.Status.EXPIRED, completed_at=now
    )
    per_sample = Counter(sample_id for _, sample_id, _ in held)
    for count, sample_ids in _group_by_count(per_sample).items():
        Sample.objects.filter(pk__in=sample_ids, is_gold=False).update(
            slots_open=F("slots_open") + count
        )
    label = getattr(actor, "email", "") or getattr(actor, "username", "") or "system"
    audit_bulk(
        [
            AuditEvent(
                actor=actor if getattr(actor, "pk", None) else None,
                actor_label=label[:200],
                action="assignment.release",
                object_type=Assignment._meta.label_lower,
                object_id=str(pk),
                object_repr=f"assignment {pk}",
                after={
                    "sample": sample_id,
                    "project": project_id,
                    "reviewer": user.pk,
                    "reason": reason,
                },
            )
            for pk, sample_id, project_id in held
        ]
    )
    return len(held)


def _group_by_count(per_sample: Counter) -> dict[int, list[int]]:
    """Samples grouped by how many slots they get back: one UPDATE per distinct count."""
    groups: dict[int, list[int]] = {}
    for sample_id, count in per_sample.items():
        groups.setdefault(count, []).append(sample_id)
    return groups


@transaction.atomic
def physician_suspend_and_release(
    *, physician: Physician, actor, reason: str
) -> tuple[Physician, int]:
    """Suspend a physician and sign them out of the queue: their live leases are released.

    Idempotent: suspending a suspended physician changes nothing and releases whatever lease is
    left. Returns the physician and the number of leases released.
    """
    physician = physician_suspend(physician=physician, actor=actor, reason=reason)
    released = assignments_release_for_user(
        user=physician.user, actor=actor, reason=f"suspended: {physician.status_reason}"
    )
    return physician, released


def _project_status_set(*, project: Project, actor, status: str, allowed: tuple[str, ...]) -> bool:
    updated = (
        Project.objects.filter(pk=project.pk, status__in=allowed)
        .exclude(status=status)
        .update(status=status, updated_at=timezone.now())
    )
    before = project.status
    project.refresh_from_db(fields=["status", "updated_at"])
    if updated:
        audit_record(
            actor=actor,
            action=f"project.{'paused' if status == Project.Status.PAUSED else 'resumed'}",
            obj=project,
            before={"status": before},
            after={"status": status},
        )
    elif project.status != status:
        verb = "paused" if status == Project.Status.PAUSED else "resumed"
        raise DomainError(
            f"Project {project.name!r} is {project.get_status_display().lower()}; "
            f"only a project that is {' or '.join(allowed)} can be {verb}.",
            field="status",
            code="conflict",
            status=409,
        )
    return bool(updated)


@transaction.atomic
def project_pause(*, project: Project, actor) -> bool:
    """Stop serving samples (leases in hand may still be submitted). True if it changed."""
    return _project_status_set(
        project=project, actor=actor, status=Project.Status.PAUSED, allowed=("active",)
    )


@transaction.atomic
def project_resume(*, project: Project, actor) -> bool:
    """Serve samples again after a pause. True if it changed."""
    return _project_status_set(
        project=project, actor=actor, status=Project.Status.ACTIVE, allowed=("paused",)
    )


@transaction.atomic
def project_cap_set(*, project: Project, per_physician_cap: int | None, actor) -> Project:
    """Most reviews one physician may do in this project (None: no cap)."""
    if per_physician_cap is not None and (
        not isinstance(per_physician_cap, int) or per_physician_cap < 0
    ):
        raise DomainError(
            f"must be a whole number of reviews, 0 or more, got {per_physician_cap!r}",
            field="per_physician_cap",
        )
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.per_physician_cap == per_physician_cap:
        return project
    before = project.per_physician_cap
    project.per_physician_cap = per_physician_cap
    project.save(update_fields=["per_physician_cap", "updated_at"])
    audit_record(
        actor=actor,
        action="project.cap_set",
        obj=project,
        before={"per_physician_cap": before},
        after={"per_physician_cap": per_physician_cap},
    )
    return project
