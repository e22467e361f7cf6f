"""The assignment engine's fast path: the common pull in one prepared statement (PostgreSQL).

An eligible physician without caps and without a live lease in an active project without a
per-physician cap gets the next regular sample, its slot, the lease and the audit row at once
(`PG_FAST`, whose rules come from `curation.reviewing.eligibility`). The statement also returns
the leased sample's payload, so the lease comes back with everything the answer to the pull
shows already loaded and no second query is needed. Anything else returns None and is left to
the general path in `assignment.py`, which checks step by step and explains a refusal.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from annotators.models import Specialty
from core.hotsql import fetchone_prepared, instances, loaded, prime
from curation.models import Assignment, Project, Sample
from curation.reviewing.assignment_sql import FAST_SAMPLE_FIELDS, FAST_SPECIALTY_FIELDS, fast_sql


def next_fast(*, user, project: Project) -> Assignment | None:
    """The new lease, with its sample and specialty loaded; None if the general path must decide."""
    now = timezone.now()
    expires_at = now + timedelta(minutes=project.lease_minutes)
    params = {
        "user": user.pk,
        "project": project.pk,
        "now": now,
        "expires": expires_at,
        "label": (getattr(user, "email", "") or getattr(user, "username", ""))[:200],
        "slug": project.slug,
    }
    row = fetchone_prepared(fast_sql(project.specialty_match), params)
    if row is None:
        return None
    sample, specialty = instances(
        row[1:], [(Sample, FAST_SAMPLE_FIELDS), (Specialty, FAST_SPECIALTY_FIELDS)]
    )
    prime(sample, project=project, specialty=specialty)
    lease = loaded(
        Assignment,
        id=row[0],
        project=project.pk,
        sample=sample.pk,
        reviewer=user.pk,
        status=Assignment.Status.LEASED,
        served_at=now,
        expires_at=expires_at,
        skip_reason="",
        skip_note="",
        completed_at=None,
    )
    # A lease made this instant has no draft and no review yet.
    return prime(lease, project=project, sample=sample, draft=None, review=None)
