"""Leases expire: the beat sweep returns their slots once, and the next pull ignores them."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEvent
from curation.models import Assignment, Sample
from curation.reviewing.assignment import assignment_next, assignments_expire
from curation.tasks import expire_leases
from tests.curation.workflow_helpers import samples
from tests.factories import PhysicianFactory, ProjectFactory, join


def age(assignment: Assignment, minutes: int = 31) -> None:
    """Make a lease look untouched for `minutes`."""
    past = timezone.now() - timedelta(minutes=minutes)
    Assignment.objects.filter(pk=assignment.pk).update(
        served_at=past - timedelta(minutes=30), expires_at=past
    )


@pytest.mark.django_db
def test_the_sweep_expires_stale_leases_and_returns_their_slots_once(
    cardiologist, second_cardiologist, project
):
    [sample] = samples(project, 1)
    stale = assignment_next(user=cardiologist.user, project=project).assignment
    live = assignment_next(user=second_cardiologist.user, project=project).assignment
    age(stale)

    assert assignments_expire() == 1
    assert assignments_expire() == 0  # a second sweep finds nothing to give back

    stale.refresh_from_db()
    live.refresh_from_db()
    sample.refresh_from_db()
    assert stale.status == Assignment.Status.EXPIRED
    assert live.status == Assignment.Status.LEASED
    assert sample.slots_open == project.overlap - 1
    assert AuditEvent.objects.filter(action="assignment.expire", object_id=str(stale.pk)).count()


@pytest.mark.django_db
def test_next_sample_ignores_stale_leases_even_before_the_sweep(cohort):
    project = ProjectFactory(cohorts=[cohort], overlap=1)
    [sample] = samples(project, 1)
    first, second = PhysicianFactory.create_batch(2, specialties=["cardiology"])
    join(cohort, first)
    join(cohort, second)
    lease = assignment_next(user=first.user, project=project).assignment
    assert assignment_next(user=second.user, project=project) is None  # k = 1, held

    age(lease)
    taken = assignment_next(user=second.user, project=project).assignment
    assert taken is not None and taken.sample_id == sample.pk
    lease.refresh_from_db()
    assert lease.status == Assignment.Status.EXPIRED
    assert Sample.objects.get(pk=sample.pk).slots_open == 0


@pytest.mark.django_db
def test_my_own_stale_lease_is_revived_when_i_come_back(cardiologist, project):
    samples(project, 2)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    age(lease, minutes=5)
    again = assignment_next(user=cardiologist.user, project=project).assignment
    assert again.pk == lease.pk
    assert again.expires_at > timezone.now() + timedelta(minutes=project.lease_minutes - 1)
    assert AuditEvent.objects.filter(action="assignment.renew", object_id=str(lease.pk)).exists()


@pytest.mark.django_db
def test_after_the_sweep_i_get_a_different_sample(cardiologist, project):
    samples(project, 2)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    age(lease)
    assignments_expire()
    again = assignment_next(user=cardiologist.user, project=project).assignment
    assert again.pk != lease.pk
    assert again.sample_id != lease.sample_id


@pytest.mark.celery
@pytest.mark.usefixtures("committed_db")
def test_the_beat_task_expires_leases_on_a_real_worker(celery_worker, cardiologist, project):
    [sample] = samples(project, 1)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    age(lease)
    expire_leases.delay()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        lease.refresh_from_db()
        if lease.status == Assignment.Status.EXPIRED:
            break
        time.sleep(0.2)
    assert lease.status == Assignment.Status.EXPIRED, celery_worker.log()[-2000:]
    sample.refresh_from_db()
    assert sample.slots_open == project.overlap
