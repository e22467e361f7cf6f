"""Skipping: a reason is recorded, the slot goes to someone else, and it never comes back."""

from __future__ import annotations

import pytest

from core.errors import DomainError
from core.models import AuditEvent
from curation.models import Assignment
from curation.models.review import SkipReason
from curation.reviewing.assignment import assignment_next, assignment_skip
from curation.reviewing.reviews import review_submit
from tests.curation.workflow_helpers import grades, samples

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("reason", SkipReason.values)
def test_each_skip_reason_is_recorded_and_the_slot_returns(cardiologist, project, reason):
    [sample] = samples(project, 1)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    skipped = assignment_skip(
        assignment=lease, user=cardiologist.user, reason=reason, note="  my aunt  "
    )
    assert skipped.status == Assignment.Status.SKIPPED
    assert skipped.skip_reason == reason
    assert skipped.skip_note == "my aunt"
    sample.refresh_from_db()
    assert sample.slots_open == project.overlap
    event = AuditEvent.objects.get(action="assignment.skip", object_id=str(lease.pk))
    assert event.after["reason"] == reason


def test_a_skipped_sample_is_never_served_to_me_again_but_goes_to_others(
    cardiologist, second_cardiologist, project
):
    [sample] = samples(project, 1)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    assignment_skip(assignment=lease, user=cardiologist.user, reason="conflict_of_interest")
    assert assignment_next(user=cardiologist.user, project=project) is None
    lease = assignment_next(user=second_cardiologist.user, project=project)
    assert lease.assignment.sample_id == sample.pk


def test_an_unknown_reason_is_refused_with_the_allowed_list(cardiologist, project):
    samples(project, 1)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    with pytest.raises(DomainError) as err:
        assignment_skip(assignment=lease, user=cardiologist.user, reason="bored")
    assert err.value.details[0].field == "reason"
    assert "outside_specialty" in err.value.message
    lease.refresh_from_db()
    assert lease.status == Assignment.Status.LEASED


def test_a_retried_skip_returns_the_slot_only_once(cardiologist, project):
    [sample] = samples(project, 1)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    assignment_skip(assignment=lease, user=cardiologist.user, reason="cannot_judge")
    assignment_skip(assignment=lease, user=cardiologist.user, reason="cannot_judge")
    sample.refresh_from_db()
    assert sample.slots_open == project.overlap


def test_a_reviewed_sample_cannot_be_skipped(cardiologist, project):
    samples(project, 1)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    review_submit(assignment_id=lease.pk, user=cardiologist.user, grades=grades(), verdict="accept")
    with pytest.raises(DomainError, match="already reviewed"):
        assignment_skip(assignment=lease, user=cardiologist.user, reason="cannot_judge")


def test_someone_elses_assignment_cannot_be_skipped(cardiologist, second_cardiologist, project):
    samples(project, 1)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    with pytest.raises(DomainError) as err:
        assignment_skip(assignment=lease, user=second_cardiologist.user, reason="cannot_judge")
    assert err.value.status == 404
