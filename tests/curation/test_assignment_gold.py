"""Gold items are mixed in at the project's rate and never use a slot."""

from __future__ import annotations

import random

import pytest

from curation.models import Assignment, Project, Sample
from curation.reviewing.assignment import assignment_next, assignment_skip
from tests.curation.workflow_helpers import samples
from tests.factories import PhysicianFactory, SampleFactory, join

pytestmark = pytest.mark.django_db

GOLD = {"accurate": True, "completeness": 5, "urgency": "emergent", "advises_er": True}


def test_gold_items_are_served_at_the_project_rate(cohort, project):
    """400 pulls at a 20% rate: the count of gold items stays inside a 4-sigma binomial bound."""
    Project.objects.filter(pk=project.pk).update(gold_rate=0.2)
    project.refresh_from_db()
    samples(project, 400)
    gold = SampleFactory.create_batch(
        400, project=project, is_gold=True, gold_grades=GOLD, status="settled", slots_open=0
    )
    physician = PhysicianFactory(specialties=["cardiology"])
    join(cohort, physician)
    rng = random.Random(7)
    gold_ids = {s.pk for s in gold}
    served_gold = 0
    for _ in range(400):
        lease = assignment_next(user=physician.user, project=project, rng=rng).assignment
        served_gold += lease.sample_id in gold_ids
        assignment_skip(assignment=lease, user=physician.user, reason="cannot_judge")
    # mean 80, sd = sqrt(400 * 0.2 * 0.8) = 8
    assert 48 <= served_gold <= 112
    # Gold items never used or returned a slot.
    assert set(Sample.objects.filter(pk__in=gold_ids).values_list("slots_open", flat=True)) == {0}


def test_no_gold_is_served_when_the_rate_is_zero(cardiologist, project):
    samples(project, 5)
    SampleFactory(project=project, is_gold=True, gold_grades=GOLD)
    rng = random.Random(1)
    for _ in range(5):
        lease = assignment_next(user=cardiologist.user, project=project, rng=rng).assignment
        assert not lease.sample.is_gold
        assignment_skip(assignment=lease, user=cardiologist.user, reason="cannot_judge")


def test_each_physician_sees_a_gold_item_once_and_regular_work_continues(cardiologist, project):
    Project.objects.filter(pk=project.pk).update(gold_rate=1.0)
    project.refresh_from_db()
    [regular] = samples(project, 1)
    [gold] = SampleFactory.create_batch(1, project=project, is_gold=True, gold_grades=GOLD)
    first = assignment_next(user=cardiologist.user, project=project).assignment
    assert first.sample_id == gold.pk
    assignment_skip(assignment=first, user=cardiologist.user, reason="cannot_judge")
    second = assignment_next(user=cardiologist.user, project=project).assignment
    assert second.sample_id == regular.pk
    assert Assignment.objects.filter(reviewer=cardiologist.user).count() == 2
