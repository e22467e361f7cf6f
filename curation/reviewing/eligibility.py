"""Who may pull work from a project, and which sample comes next: each rule written once.

The rules are data (`Check`s on a model's fields, `Rule`s that add the refusal a physician sees).
Every door renders them from here, so no copy can drift:

- `Check.sql(...)` gives the SQL the hand-written statements embed: the prepared one-statement
  pull on PostgreSQL (`fast_sql`), the general path's row read (`who_sql`) and its pick
  (`pick_sql`), and the member-project lookup of every pull;
- `Check.q(...)` gives the ORM form: the general path's queries on SQLite (the demo) and the
  reviewer's project list;
- `Check.holds(...)` tests a loaded row, so the general path can say which rule refused.

Where the old copies differed, the rule here is the one that stands:

- A model grader (`Physician.is_model`) never pulls work and never writes through the reviewer
  doors: its grades arrive through the review import. (`Physician.can_review` let a model grader
  count as a reviewer without a verified licence; the queue never did.)
- Membership counts only through a cohort that is not archived.
- "Already mine" means any assignment of the sample to me (leased, submitted, skipped, expired)
  or any review of it by me (an imported review has no assignment).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet

from annotators.models import Cohort, CohortMembership, Physician
from curation.models import Assignment, Project, Review, Sample

# --- the vocabulary ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """`field` (a lookup path such as "status" or "user__is_active") compared with `value`.

    `op` is one of "eq", "ne", "gt", "in", "isnull"."""

    field: str
    op: str
    value: object

    def q(self, prefix: str = "") -> Q:
        name = f"{prefix}{self.field}"
        if self.op == "eq":
            return Q(**{name: self.value})
        if self.op == "ne":
            return ~Q(**{name: self.value})
        if self.op in ("gt", "in", "isnull"):
            return Q(**{f"{name}__{self.op}": self.value})
        raise ValueError(self.op)

    def sql(self, model: type[Model], aliases: Mapping[str, str]) -> str:
        """The condition on `model`'s row, with `aliases` naming the table of each relation
        ("" for `model` itself, "user" for the row `field` "user__..." reaches)."""
        relation, _, name = self.field.rpartition("__")
        target = model
        for step in relation.split("__") if relation else ():
            target = target._meta.get_field(step).related_model
        column = f"{aliases[relation]}.{target._meta.get_field(name).column}"
        if self.op in ("eq", "ne") and isinstance(self.value, bool):
            return column if self.value == (self.op == "eq") else f"NOT {column}"
        if self.op == "isnull":
            return f"{column} IS {'' if self.value else 'NOT '}NULL"
        if self.op == "in":
            return f"{column} IN ({', '.join(_literal(v) for v in self.value)})"
        sign = {"eq": "=", "ne": "<>", "gt": ">"}[self.op]
        return f"{column} {sign} {_literal(self.value)}"

    def holds(self, values: Mapping[str, object]) -> bool:
        """Whether a loaded row (field path -> value) passes."""
        value = values[self.field]
        if self.op == "eq":
            return value == self.value
        if self.op == "ne":
            return value != self.value
        if self.op == "gt":
            return value is not None and value > self.value
        if self.op == "in":
            return value in self.value
        return (value is None) == self.value


def _literal(value: object) -> str:
    """A constant of the rules as SQL (they come from this module, never from a request)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


def sql_all(checks, model: type[Model], aliases: Mapping[str, str]) -> str:
    return " AND ".join(check.sql(model, aliases) for check in checks)


def q_all(checks, prefix: str = "") -> Q:
    q = Q()
    for check in checks:
        q &= check.q(prefix)
    return q


@dataclass(frozen=True)
class Rule:
    """A check with the refusal it gives: an error code, an HTTP status and the message."""

    check: Check
    code: str
    status: int
    message: str  # may name {reason} (the physician's status reason) or {name} (the project)


# --- the physician -----------------------------------------------------------------------------

NO_PROFILE = Rule(
    Check("id", "isnull", False),
    "not_allowed",
    403,
    "Only physicians can review samples; this account has no physician profile.",
)

# In the order a refusal is explained: the first that fails is the one the physician reads.
PHYSICIAN_RULES: tuple[Rule, ...] = (
    Rule(
        Check("is_model", "eq", False),
        "not_allowed",
        403,
        "Model graders send their grades through the review import, not the queue.",
    ),
    Rule(Check("user__is_active", "eq", True), "not_allowed", 403, "This account is deactivated."),
    Rule(
        Check("status", "ne", Physician.Status.SUSPENDED.value),
        "not_allowed",
        403,
        "Your account is suspended, so you cannot review samples.{reason}",
    ),
    Rule(
        Check("status", "eq", Physician.Status.ACTIVE.value),
        "not_allowed",
        403,
        "Your account is not active yet: accept your invitation first.",
    ),
    Rule(
        Check("verification", "eq", Physician.Verification.VERIFIED.value),
        "not_allowed",
        403,
        "Your licence has not been verified yet; an admin must verify it before you can "
        "review samples.",
    ),
)

# Not eligibility: a physician with a daily cap is served by the general path, which counts.
FAST_PHYSICIAN = (Check("daily_cap", "isnull", True),)


def physician_refusal(values: Mapping[str, object] | None) -> Rule | None:
    """The first rule a physician row (field path -> value; None: no profile) fails, or None."""
    if values is None:
        return NO_PROFILE
    return next((rule for rule in PHYSICIAN_RULES if not rule.check.holds(values)), None)


def physician_values(physician: Physician, *, user_is_active: bool) -> dict[str, object]:
    """What the rules read of a physician row and its account (`user_is_active` is passed in,
    so a row read by hand with its account's flag needs no second query)."""
    return {
        "is_model": bool(physician.is_model),
        "user__is_active": bool(user_is_active),
        "status": physician.status,
        "verification": physician.verification,
    }


def may_review(physician: Physician) -> bool:
    """Whether the physician may take and write reviews now (the rules above, on a model)."""
    values = physician_values(physician, user_is_active=physician.user.is_active)
    return physician_refusal(values) is None


def physician_sql(aliases: Mapping[str, str]) -> str:
    """The same rules as SQL on a physician row joined to its user (`{"": p, "user": u}`)."""
    return sql_all((rule.check for rule in PHYSICIAN_RULES), Physician, aliases)


# --- the project -------------------------------------------------------------------------------

# Who sees a project at all (their list, its pages, their history in it).
PROJECT_VISIBLE = Check("status", "in", (Project.Status.ACTIVE.value, Project.Status.PAUSED.value))

PROJECT_RULES: tuple[Rule, ...] = (
    Rule(
        Check("status", "ne", Project.Status.PAUSED.value),
        "project_paused",
        409,
        "Project {name!r} is paused; no samples are being served.",
    ),
    Rule(
        Check("status", "eq", Project.Status.ACTIVE.value),
        "not_allowed",
        403,
        "Project {name!r} is not open for review.",
    ),
)

# Membership counts through a live cohort only.
LIVE_COHORT = Check("archived", "eq", False)
NOT_MEMBER = Rule(
    LIVE_COHORT,
    "not_allowed",
    403,
    "You are not in a cohort that reviews project {name!r}.",
)


# Not eligibility: a project with a per-physician cap is served by the general path, which counts.
FAST_PROJECT = (Check("per_physician_cap", "isnull", True),)


def project_refusal(project: Project) -> Rule | None:
    values = {"status": project.status}
    return next((rule for rule in PROJECT_RULES if not rule.check.holds(values)), None)


def project_sql(aliases: Mapping[str, str], *, fast: bool = False) -> str:
    """The project rules as SQL on a project row (with the fast path's own limits if `fast`)."""
    checks = [rule.check for rule in PROJECT_RULES]
    return sql_all(checks + list(FAST_PROJECT if fast else ()), Project, aliases)


def fast_path_may_serve(project: Project) -> bool:
    """Whether the one-statement pull may serve this project as loaded (it checks again)."""
    values = {"status": project.status, "per_physician_cap": project.per_physician_cap}
    checks = [rule.check for rule in PROJECT_RULES] + list(FAST_PROJECT)
    return all(check.holds(values) for check in checks)


def member_sql(*, project: str, physician: str | None = None, user: str | None = None) -> str:
    """EXISTS: the physician (by id, or by their user's id) is in a live cohort of the project.
    Arguments are SQL expressions (a placeholder or a column)."""
    who = f"m.physician_id = {physician}"
    join = ""
    if user is not None:
        join = f" JOIN {_tables()['physician']} ph ON ph.id = m.physician_id"
        who = f"ph.user_id = {user}"
    tables = _tables()
    return MEMBER.format(
        membership=tables["membership"],
        cohort=tables["cohort"],
        project_cohorts=tables["project_cohorts"],
        join=join,
        who=who,
        project=project,
        live=LIVE_COHORT.sql(Cohort, {"": "c"}),
    )


MEMBER = (
    "EXISTS (SELECT 1 FROM {membership} m JOIN {cohort} c ON c.id = m.cohort_id"
    " JOIN {project_cohorts} pc ON pc.cohort_id = c.id{join}"
    " WHERE {who} AND pc.project_id = {project} AND {live})"
)
SPECIALTY = (
    "(s.specialty_id IS NULL OR s.specialty_id IN (SELECT ps.specialty_id"
    " FROM {physician_specialties} ps WHERE ps.physician_id = {physician}))"
)
NOT_MINE = (
    "NOT EXISTS (SELECT 1 FROM {table} x WHERE x.sample_id = s.id"
    " AND x.reviewer_id = %(user)s{tail})"
)


def member_exists(*, project, physician_id=None, user_id=None) -> Exists:
    """The ORM form of `member_sql`; `project` may be an `OuterRef`."""
    who = {"physician_id": physician_id} if user_id is None else {"physician__user_id": user_id}
    return Exists(
        CohortMembership.objects.filter(LIVE_COHORT.q("cohort__"), cohort__projects=project, **who)
    )


# --- the lease in hand -------------------------------------------------------------------------

# A lease the physician holds in the project: a pull resumes it (renewing it when it is past its
# time and the sweep has not taken it) instead of taking another sample.
LEASE_HELD = Check("status", "eq", Assignment.Status.LEASED.value)


def lease_held_sql(*, user: str, project: str, alias: str = "a") -> str:
    return (
        f"{alias}.reviewer_id = {user} AND {alias}.project_id = {project}"
        f" AND {LEASE_HELD.sql(Assignment, {'': alias})}"
    )


# --- which sample comes next -------------------------------------------------------------------

SERVABLE = (Check("quarantined", "eq", False),)
REGULAR = (
    Check("is_gold", "eq", False),
    Check("slots_open", "gt", 0),
    Check("status", "eq", Sample.Status.OPEN.value),
)
GOLD = (Check("is_gold", "eq", True),)

# Regular samples closest to done first (the fewest open slots), then the oldest.
REGULAR_ORDER = ("slots_open", "id")
# Gold items in an order of their own per physician: (id * A + salt) mod P, then id. Plain
# integer arithmetic, so PostgreSQL and SQLite order alike.
GOLD_A, GOLD_P = 2654435761, 1000003

# A sample is never given twice to one physician: any assignment of it to them, whatever its
# status (leased, submitted, skipped, expired), or a review of it by them, excludes it.
ALREADY_MINE: tuple[type[Model], ...] = (Assignment, Review)


def candidate_sql(
    *, gold: bool, specialty_match: bool, physician: str, offset0: bool = False
) -> str:
    """The WHERE conditions of the pick on sample `s` of project `%(project)s` for the user
    `%(user)s`; `physician` is an SQL expression for their physician id. `offset0` keeps each
    "already mine" check a per-candidate index lookup in a generic plan."""
    parts = [
        "s.project_id = %(project)s",
        sql_all(SERVABLE + (GOLD if gold else REGULAR), Sample, {"": "s"}),
    ]
    if specialty_match:
        parts.append(
            SPECIALTY.format(
                physician=physician, physician_specialties=_tables()["physician_specialties"]
            )
        )
    tail = " OFFSET 0" if offset0 else ""
    for model in ALREADY_MINE:
        parts.append(NOT_MINE.format(table=model._meta.db_table, tail=tail))
    return "\n      AND ".join(parts)


def order_sql(*, gold: bool) -> str:
    if gold:
        return f"ORDER BY (s.id * {GOLD_A} + %(salt)s) %% {GOLD_P}, s.id"
    return "ORDER BY " + ", ".join(f"s.{name}" for name in REGULAR_ORDER)


def unseen(*, project, user_id: int, gold: bool) -> QuerySet[Sample]:
    """Servable samples of `project` (a project, or an `OuterRef` to one) of the kind asked
    (gold or regular) that the user has not been given yet: `candidate_sql` without the
    specialty rule, as an ORM query."""
    qs = Sample.objects.filter(q_all(SERVABLE + (GOLD if gold else REGULAR)), project=project)
    for model in ALREADY_MINE:
        qs = qs.exclude(Exists(model.objects.filter(sample=OuterRef("pk"), reviewer_id=user_id)))
    return qs


def specialty_q(physician_id: int | None) -> Q:
    """A sample without specialty, or of one of the physician's (the specialty rule)."""
    mine = Physician.specialties.through.objects.filter(physician_id=physician_id)
    return Q(specialty__isnull=True) | Q(specialty_id__in=mine.values("specialty_id"))


def candidates(
    *, project: Project, user_id: int, physician_id: int | None, gold: bool
) -> QuerySet[Sample]:
    """The ORM form of `candidate_sql` and `order_sql`: the samples the user may get, best
    first."""
    qs = unseen(project=project, user_id=user_id, gold=gold)
    if project.specialty_match:
        qs = qs.filter(specialty_q(physician_id))
    if gold:
        key = (F("id") * GOLD_A + gold_salt(user_id)) % GOLD_P
        return qs.alias(gold_key=key).order_by("gold_key", "id")
    return qs.order_by(*REGULAR_ORDER)


def gold_salt(user_id: int) -> int:
    return int(user_id) % GOLD_P


def gold_key(sample_id: int, user_id: int) -> int:
    """The gold order in Python (the first key of `order_sql` and `candidates`)."""
    return (sample_id * GOLD_A + gold_salt(user_id)) % GOLD_P


@functools.cache
def _tables() -> dict[str, str]:
    return {
        "membership": CohortMembership._meta.db_table,
        "cohort": Cohort._meta.db_table,
        "project_cohorts": Project.cohorts.through._meta.db_table,
        "physician": Physician._meta.db_table,
        "physician_specialties": Physician.specialties.through._meta.db_table,
        "user": get_user_model()._meta.db_table,
    }
