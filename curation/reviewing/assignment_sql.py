"""The hand-written SQL of the assignment engine (PostgreSQL; `who_sql` and `physician_sql` also
serve SQLite).

Kept apart from the engine's rules so each reads on its own; table names come from the models.
"""

from __future__ import annotations

import functools

from django.contrib.auth import get_user_model

from annotators.models import Physician, Specialty
from core.models import AuditEvent
from curation.models import Assignment, Project, Sample
from curation.reviewing import eligibility

# The rules themselves (who may pull, which sample is a candidate, in what order) come from
# `curation.reviewing.eligibility`; these statements only place them.

WHO = """
SELECT p.id, p.status, p.status_reason, p.verification, p.is_model, p.daily_cap, u.is_active,
    {member},
    (SELECT a.id FROM {assignment} a WHERE {lease_held} ORDER BY a.served_at LIMIT 1)
FROM {physician} p JOIN {user} u ON u.id = p.user_id
WHERE p.user_id = %(user)s
{lock}
"""


@functools.cache
def who_sql(vendor: str) -> str:
    return WHO.format(
        member=eligibility.member_sql(project="%(project)s", physician="p.id"),
        lease_held=eligibility.lease_held_sql(user="%(user)s", project="%(project)s"),
        assignment=Assignment._meta.db_table,
        physician=Physician._meta.db_table,
        user=get_user_model()._meta.db_table,
        lock="FOR UPDATE OF p" if vendor == "postgresql" else "",
    )


PHYSICIAN = """
SELECT p.*, u.is_active AS user_is_active FROM {physician} p JOIN {user} u ON u.id = p.user_id
WHERE p.user_id = %s
{lock}
"""


@functools.cache
def physician_sql(*, lock: bool) -> str:
    """A user's physician row with their account's `user_is_active` (any database)."""
    return PHYSICIAN.format(
        physician=Physician._meta.db_table,
        user=get_user_model()._meta.db_table,
        lock="FOR UPDATE OF p" if lock else "",
    )


PG_PICK = """
WITH pick AS (
    SELECT s.id FROM {sample} s
    WHERE {candidates}
    {order}
    LIMIT 1
    FOR UPDATE OF s SKIP LOCKED
), taken AS (
    UPDATE {sample} s SET slots_open = s.slots_open - 1, updated_at = %(now)s
    FROM pick WHERE s.id = pick.id AND s.slots_open > 0
    RETURNING s.id
)
INSERT INTO {assignment}
    (project_id, sample_id, reviewer_id, status, served_at, expires_at, skip_reason, skip_note)
SELECT %(project)s, taken.id, %(user)s, 'leased', %(now)s, %(expires)s, '', ''
FROM taken
RETURNING id, sample_id
"""


PG_GOLD = """
SELECT s.id FROM {sample} s
WHERE {candidates}
{order}
LIMIT 1
"""


@functools.cache
def pick_sql(*, gold: bool, specialty_match: bool) -> str:
    """The general path's pick on PostgreSQL: a gold item to lease, or the regular sample whose
    slot is taken and leased in the same statement."""
    return (PG_GOLD if gold else PG_PICK).format(
        sample=Sample._meta.db_table,
        assignment=Assignment._meta.db_table,
        candidates=eligibility.candidate_sql(
            gold=gold, specialty_match=specialty_match, physician="%(physician)s"
        ),
        order=eligibility.order_sql(gold=gold),
    )


# The common case in one statement (PostgreSQL): an eligible physician without caps and without
# a lease in an active project without a per-physician cap gets the next sample, its slot, the
# lease and the audit row at once.
# Anything else (a refusal to explain, a lease to resume, caps, gold, an empty queue) takes the
# general path, which checks everything step by step under the physician's row lock.
# It runs as a prepared statement (`fetchone_prepared`), so PostgreSQL soon settles on one generic
# plan for all physicians. `OFFSET 0` keeps each "not already given to me" check a per-candidate
# lookup in the (sample, reviewer) unique index: flattened into an anti-join, a generic plan may
# instead read every assignment of the project on each pull.
PG_FAST = """
WITH who AS (
    SELECT p.id FROM {physician} p JOIN {user} u ON u.id = p.user_id
    WHERE p.user_id = %(user)s AND {eligible} AND {uncapped}
      AND EXISTS (SELECT 1 FROM {project} pr WHERE pr.id = %(project)s AND {project_ok})
      AND {member}
      AND NOT EXISTS (SELECT 1 FROM {assignment} a WHERE {lease_held})
), pick AS (
    SELECT s.id FROM {sample} s
    WHERE EXISTS (SELECT 1 FROM who)
      AND {candidates}
    {order}
    LIMIT 1
    FOR UPDATE OF s SKIP LOCKED
), taken AS (
    UPDATE {sample} s SET slots_open = s.slots_open - 1, updated_at = %(now)s
    FROM pick WHERE s.id = pick.id AND s.slots_open > 0
    RETURNING s.id, s.project_id, s.external_id, s.messages, s.reasoning, s.answer, s.images,
              s.specialty_id
), lease AS (
    INSERT INTO {assignment}
        (project_id, sample_id, reviewer_id, status, served_at, expires_at, skip_reason,
         skip_note)
    SELECT %(project)s, taken.id, %(user)s, 'leased', %(now)s, %(expires)s, '', ''
    FROM taken
    RETURNING id, sample_id
), audit AS (
    INSERT INTO {audit}
        (actor_id, actor_label, action, object_type, object_id, object_repr, before, after,
         created_at)
    SELECT %(user)s, %(label)s, 'assignment.lease', 'curation.assignment', lease.id::text,
           'assignment ' || lease.id, NULL,
           jsonb_build_object('sample', lease.sample_id, 'project', %(slug)s::text), %(now)s
    FROM lease
)
SELECT lease.id, s.id, s.project_id, s.external_id, s.messages, s.reasoning, s.answer, s.images,
       s.specialty_id, sp.id, sp.code, sp.name
FROM lease JOIN taken s ON s.id = lease.sample_id
LEFT JOIN {specialty_table} sp ON sp.id = s.specialty_id
"""

# What the fast path reads of the leased sample (in the model's field order, as the slot-taking
# UPDATE returns it) and its specialty, so the answer to a pull is built without another query
# or a second visit to the sample row.
FAST_SAMPLE_FIELDS = (
    "id",
    "project_id",
    "external_id",
    "messages",
    "reasoning",
    "answer",
    "images",
    "specialty_id",
)
FAST_SPECIALTY_FIELDS = ("id", "code", "name")


@functools.cache
def fast_sql(specialty_match: bool) -> str:
    aliases = {"": "p", "user": "u"}
    return PG_FAST.format(
        physician=Physician._meta.db_table,
        user=get_user_model()._meta.db_table,
        eligible=eligibility.physician_sql(aliases),
        uncapped=eligibility.sql_all(eligibility.FAST_PHYSICIAN, Physician, aliases),
        project=Project._meta.db_table,
        project_ok=eligibility.project_sql({"": "pr"}, fast=True),
        member=eligibility.member_sql(project="%(project)s", physician="p.id"),
        lease_held=eligibility.lease_held_sql(user="%(user)s", project="%(project)s"),
        candidates=eligibility.candidate_sql(
            gold=False,
            specialty_match=specialty_match,
            physician="(SELECT id FROM who)",
            offset0=True,
        ),
        order=eligibility.order_sql(gold=False),
        assignment=Assignment._meta.db_table,
        sample=Sample._meta.db_table,
        audit=AuditEvent._meta.db_table,
        specialty_table=Specialty._meta.db_table,
    )


PG_EXPIRE = """
WITH expired AS (
    UPDATE {assignment} SET status = 'expired', completed_at = %(now)s
    WHERE status = 'leased' AND expires_at <= %(now)s {project}
    RETURNING id, sample_id, reviewer_id
), returned AS (
    UPDATE {sample} s SET slots_open = s.slots_open + e.n
    FROM (SELECT sample_id, count(*) AS n FROM expired GROUP BY sample_id) e
    WHERE s.id = e.sample_id AND NOT s.is_gold
)
SELECT id, sample_id, reviewer_id FROM expired
"""
