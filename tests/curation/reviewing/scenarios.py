"""The eligibility and next-sample cases, and the doors a pull can go through.

Shared by the parity test (PostgreSQL, in process) and by its SQLite run (`main`, in a
process of its own on a fresh SQLite database), which prints each case's decision as JSON.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from annotators.models import Physician
from core.errors import DomainError
from curation.models import Assignment, Project, Sample
from curation.reviewing.assignment import _next_general, assignment_next, assignment_skip
from curation.reviewing.eligibility import gold_key
from curation.reviewing.reviews import review_submit
from tests.factories import (
    CohortFactory,
    PhysicianFactory,
    ProjectFactory,
    SampleFactory,
    UserFactory,
    join,
    specialty,
)

GOOD_GRADES = {"accurate": True, "completeness": 4, "urgency": "emergent", "advises_er": None}
GOLD_GRADES = {"accurate": True, "urgency": "emergent"}


class AlwaysGold:
    """An rng whose draw is always below the gold rate."""

    def random(self) -> float:
        return 0.0


class World:
    """A cardiologist in a live cohort of an active, specialty-matched project with k = 2.

    Samples, in id order: `fresh` (cardiology, 2 slots), `neuro` (neurology, 1 slot), `almost`
    (cardiology, 1 slot: the one a cardiologist gets first), `general` (no specialty, 2 slots).
    """

    def __init__(self) -> None:
        self.cohort = CohortFactory()
        self.physician = PhysicianFactory(specialties=["cardiology"])
        self.user = self.physician.user
        join(self.cohort, self.physician)
        self.project = ProjectFactory(
            name="Chest pain", overlap=2, cohorts=[self.cohort], lease_minutes=30
        )
        self.samples = {
            "fresh": SampleFactory(project=self.project, external_id="fresh", slots_open=2),
            "neuro": SampleFactory(
                project=self.project,
                external_id="neuro",
                slots_open=1,
                specialty=specialty("neurology"),
            ),
            "almost": SampleFactory(project=self.project, external_id="almost", slots_open=1),
            "general": SampleFactory(
                project=self.project, external_id="general", slots_open=2, specialty=None
            ),
        }

    def physician_set(self, **values) -> None:
        Physician.objects.filter(pk=self.physician.pk).update(**values)

    def project_set(self, **values) -> None:
        Project.objects.filter(pk=self.project.pk).update(**values)
        self.project.refresh_from_db()

    def lease(self, name: str, *, minutes: int = 20, status: str = "leased", project=None):
        now = timezone.now()
        sample = self.samples[name]
        if status == Assignment.Status.LEASED and not sample.is_gold:
            Sample.objects.filter(pk=sample.pk).update(slots_open=sample.slots_open - 1)
        return Assignment.objects.create(
            project=project or self.project,
            sample=sample,
            reviewer=self.user,
            status=status,
            served_at=now - timedelta(minutes=30),
            expires_at=now + timedelta(minutes=minutes),
            completed_at=None if status == Assignment.Status.LEASED else now,
            skip_reason="cannot_judge" if status == Assignment.Status.SKIPPED else "",
        )

    def review(self, name: str) -> None:
        """Review `name` through the ordinary doors (lease, then submit)."""
        self.lease(name)
        lease = assignment_next(user=self.user, project=self.project)
        assert lease.resumed and lease.assignment.sample.external_id == name
        review_submit(
            assignment_id=lease.assignment.pk, user=self.user, grades=GOOD_GRADES, verdict="accept"
        )

    def gold(self, name: str) -> None:
        self.samples[name] = SampleFactory(
            project=self.project, external_id=name, is_gold=True, gold_grades=GOLD_GRADES
        )


def _inactive(w: World) -> None:
    w.user.is_active = False
    w.user.save(update_fields=["is_active"])


def _unverified(w: World) -> None:
    w.physician_set(verification="unverified", verified_by=None, verified_at=None)


def _elsewhere(w: World):
    """A second project of the same cohort with one sample."""
    other = ProjectFactory(overlap=2, cohorts=[w.cohort])
    w.samples["elsewhere"] = SampleFactory(project=other, external_id="elsewhere")
    return other


def _daily_cap(w: World) -> None:
    other = _elsewhere(w)
    w.lease("elsewhere", project=other)  # a live lease counts toward the day
    w.physician_set(daily_cap=1)


def _daily_cap_left(w: World) -> None:
    other = _elsewhere(w)
    w.lease("elsewhere", project=other)
    w.physician_set(daily_cap=2)


def _project_cap(w: World) -> None:
    w.review("fresh")
    w.project_set(per_physician_cap=1)


def _specialty_mismatch(w: World) -> None:
    w.physician.specialties.set([specialty("neurology")])
    Sample.objects.filter(pk=w.samples["neuro"].pk).delete()
    Sample.objects.filter(pk=w.samples["general"].pk).update(specialty=specialty("cardiology"))


def _neurologist(w: World) -> None:
    w.physician.specialties.set([specialty("neurology")])


def _skipped(w: World) -> None:
    w.lease("almost")
    lease = assignment_next(user=w.user, project=w.project)
    assignment_skip(assignment=lease.assignment, user=w.user, reason="cannot_judge")


def _expired(w: World) -> None:
    w.lease("almost", minutes=-5, status=Assignment.Status.EXPIRED)
    Sample.objects.filter(pk=w.samples["almost"].pk).update(slots_open=1)


def _gold(w: World) -> None:
    w.project_set(gold_rate=0.5)
    for name in ("gold-a", "gold-b", "gold-c", "gold-d"):
        w.gold(name)


def _gold_seen(w: World) -> None:
    _gold(w)
    for name in ("gold-a", "gold-b", "gold-c"):
        w.lease(name, status=Assignment.Status.SKIPPED)


def _gold_all_seen(w: World) -> None:
    _gold(w)
    for name in ("gold-a", "gold-b", "gold-c", "gold-d"):
        w.lease(name, status=Assignment.Status.SUBMITTED)


def _no_profile(w: World) -> None:
    w.user = UserFactory()


def _full(w: World) -> None:
    Sample.objects.filter(project=w.project).update(slots_open=0)


def _settled(w: World) -> None:
    Sample.objects.filter(project=w.project).update(status=Sample.Status.COMPLETE)


def _cohort_archived(w: World) -> None:
    w.cohort.archived = True
    w.cohort.save(update_fields=["archived"])


def _second_cohort(w: World) -> None:
    """Archived in one cohort, live in another: the live one counts."""
    _cohort_archived(w)
    live = CohortFactory()
    join(live, w.physician)
    w.project.cohorts.add(live)


def _not_member(w: World) -> None:
    w.cohort.memberships.filter(physician=w.physician).delete()


# name -> (setup, whether the one-statement fast path must take it itself)
CASES = {
    "eligible": (None, True),
    "inactive user": (_inactive, False),
    "unverified": (_unverified, False),
    "licence rejected": (lambda w: w.physician_set(verification="rejected"), False),
    "invited, not yet active": (lambda w: w.physician_set(status="invited"), False),
    "suspended": (lambda w: w.physician_set(status="suspended", status_reason="Audit"), False),
    "model grader": (lambda w: w.physician_set(is_model=True), False),
    "no physician profile": (_no_profile, False),
    "archived cohort": (_cohort_archived, False),
    "archived cohort, live second cohort": (_second_cohort, True),
    "not a member": (_not_member, False),
    "paused project": (lambda w: w.project_set(status="paused"), False),
    "archived project": (lambda w: w.project_set(status="archived"), False),
    "draft project": (lambda w: w.project_set(status="draft"), False),
    "specialty mismatch": (_specialty_mismatch, False),
    "neurologist gets neurology first": (_neurologist, True),
    "specialty matching off": (lambda w: w.project_set(specialty_match=False), True),
    "daily cap reached": (_daily_cap, False),
    "daily cap not reached": (_daily_cap_left, False),
    "project cap reached": (_project_cap, False),
    "live lease held (resume)": (lambda w: w.lease("fresh"), False),
    "stale lease held (renew)": (lambda w: w.lease("general", minutes=-5), False),
    "already reviewed": (lambda w: w.review("almost"), True),
    "already skipped": (_skipped, True),
    "already expired": (_expired, True),
    "quarantined sample": (
        lambda w: Sample.objects.filter(external_id="almost").update(quarantined=True),
        True,
    ),
    "every slot taken": (_full, False),
    "samples no longer open": (_settled, False),
    "gold item": (_gold, False),
    "gold item already seen": (_gold_seen, False),
    "every gold item seen: a regular sample": (_gold_all_seen, False),
}


def decision(pull, *, user) -> list:
    """What a pull decided, in terms that do not depend on ids: a lease (which sample, resumed
    or new), nothing, or the refusal. A gold item is named by its rank in the user's gold order
    (ids, and so the order, differ from one database to the next)."""
    try:
        lease = pull()
    except DomainError as error:
        return ["refused", error.code, error.status, error.message]
    if lease is None:
        return ["nothing"]
    if isinstance(lease, Assignment):  # the fast path alone hands back the assignment
        assignment, resumed = lease, False
    else:
        assignment, resumed = lease.assignment, lease.resumed
    sample = assignment.sample
    if sample.is_gold:
        # Its rank, in the user's gold order, among the gold items they had not been given.
        seen = Assignment.objects.filter(reviewer=user).exclude(pk=assignment.pk)
        unseen = Sample.objects.filter(project=sample.project_id, is_gold=True).exclude(
            pk__in=seen.values("sample_id")
        )
        order = sorted(unseen.values_list("pk", flat=True), key=lambda pk: gold_key(pk, user.pk))
        return ["lease", f"gold #{order.index(sample.pk) + 1} of {len(order)}", resumed]
    return ["lease", sample.external_id, resumed]


def run(case: str, door: str) -> list:
    """Build the case's world, pull once through `door`, and roll everything back."""
    from curation.reviewing.assignment_fast import next_fast

    setup, _ = CASES[case]
    result: list = []

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            world = World()
            if setup is not None:
                setup(world)
            user, project = world.user, world.project
            gold = project.gold_rate > 0
            doors = {
                "service": lambda: assignment_next(user=user, project=project, rng=AlwaysGold()),
                "general": lambda: _next_general(user=user, project=project, gold=gold),
                "fast": lambda: next_fast(user=user, project=project) if not gold else None,
            }
            result = decision(doors[door], user=user)
            if door == "fast" and result == ["nothing"]:
                result = ["general path decides"]
            raise Rollback
    except Rollback:
        pass
    return result


def main() -> None:
    """Migrate the (empty) database, then print every case's decision through the service."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0)
    # As in the test settings: the worlds' passwords need no slow hashing.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        print(json.dumps({case: run(case, "service") for case in CASES}))
