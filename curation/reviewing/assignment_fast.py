"""The assignment engine's fast path: the common pull in one prepared statement (PostgreSQL).

An eligible physician without caps and without a live lease in an active project gets the next
regular sample, its slot, the lease and the audit row at once (`PG_FAST`). The statement also
returns the leased sample's payload, so the lease comes back with everything the answer to the
pull shows already loaded and no second query is needed. Anything else returns None and is left
to the general path in `assignment.py`, which checks step by step and explains a refusal.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from annotators.models import Specialty
from core.hotsql import fetchone_prepared, instances
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
    sample = _sample(row[1:], project=project)
    lease = Assignment(
        pk=row[0],
        project=project,
        sample=sample,
        reviewer_id=user.pk,
        status=Assignment.Status.LEASED,
        served_at=now,
        expires_at=expires_at,
    )
    lease._state.adding = False
    lease._state.db = DEFAULT_DB_ALIAS
    # A lease made this instant has no draft and no review yet.
    Assignment.draft.related.set_cached_value(lease, None)
    Assignment.review.related.set_cached_value(lease, None)
    lease.resumed = False
    lease.preloaded = True  # the API answers from it without reading it back
    return lease


def _sample(values: tuple, *, project: Project) -> Sample:
    """The leased sample with the payload columns loaded (any other field loads on access)."""
    sample, specialty = instances(
        values, [(Sample, FAST_SAMPLE_FIELDS), (Specialty, FAST_SPECIALTY_FIELDS)]
    )
    Sample.project.field.set_cached_value(sample, project)
    Sample.specialty.field.set_cached_value(sample, specialty)
    return sample
