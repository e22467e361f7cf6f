"""Undo of the last submit or skip: the lease comes back, until the next action."""

from __future__ import annotations

import pytest

from core.errors import DomainError
from core.models import AuditEvent
from curation.models import Assignment, ConsensusLabel, Review, ReviewDraft, Sample
from curation.reviewing.assignment import assignment_next, assignment_skip
from curation.reviewing.reviews import review_amend, review_submit
from curation.reviewing.undo import assignment_undo, last_action
from tests.curation.workflow_helpers import grades, samples
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def submit(lease, physician, **kwargs):
    values = {"grades": grades(), "verdict": "accept"} | kwargs
    return review_submit(assignment_id=lease.pk, user=physician.user, **values).review


def test_undoing_a_submit_deletes_the_review_and_gives_back_the_lease_with_a_draft(
    cardiologist, project
):
    [sample] = samples(project, 1)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    review = submit(
        lease, cardiologist, verdict="revise", corrected_answer="Call 911.", rationale="Vague."
    )

    undone = assignment_undo(user=cardiologist.user)

    assert undone.kind == "review" and undone.assignment_id == lease.pk
    assert not Review.objects.filter(pk=review.pk).exists()
    lease.refresh_from_db()
    assert lease.status == Assignment.Status.LEASED and lease.completed_at is None
    sample.refresh_from_db()
    assert sample.reviews_done == 0 and sample.slots_open == project.overlap - 1
    draft = ReviewDraft.objects.get(assignment=lease).payload
    assert draft["verdict"] == "revise" and draft["corrected_answer"] == "Call 911."
    assert draft["grades"]["accurate"] == "met" and draft["grades"]["advises_er"] == "na"
    event = AuditEvent.objects.get(action="assignment.undo")
    assert event.before["undone"] == "review" and event.before["rationale"] == "Vague."

    again = submit(lease, cardiologist)
    assert again.assignment_id == lease.pk


def test_undoing_a_skip_takes_the_slot_back(cardiologist, project):
    [sample] = samples(project, 1)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    assignment_skip(assignment=lease, user=cardiologist.user, reason="cannot_judge")

    assert assignment_undo(user=cardiologist.user).kind == "skip"

    lease.refresh_from_db()
    assert lease.status == Assignment.Status.LEASED and lease.skip_reason == ""
    sample.refresh_from_db()
    assert sample.slots_open == project.overlap - 1


def test_only_the_last_action_can_be_undone_and_only_once(cardiologist, project):
    samples(project, 2)
    first = assignment_next(user=cardiologist.user, project=project).assignment
    submit(first, cardiologist)
    second = assignment_next(user=cardiologist.user, project=project).assignment
    submit(second, cardiologist)

    assert assignment_undo(user=cardiologist.user).assignment_id == second.pk
    with pytest.raises(DomainError) as err:
        assignment_undo(user=cardiologist.user)
    assert err.value.code == "nothing_to_undo"
    assert Review.objects.filter(assignment=first).exists()
    assert last_action(cardiologist.user) is None

    submit(second, cardiologist)  # the next action can be undone again
    assert last_action(cardiologist.user).pk == second.pk


def test_a_sample_that_moved_on_to_consensus_cannot_be_undone(cardiologist, project):
    [sample] = samples(project, 1)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    submit(lease, cardiologist)
    Sample.objects.filter(pk=sample.pk).update(status=Sample.Status.ADJUDICATION)

    with pytest.raises(DomainError) as err:
        assignment_undo(user=cardiologist.user)
    assert err.value.code == "not_undoable"
    assert Review.objects.filter(assignment=lease).exists()


def test_a_complete_sample_reopens_unless_consensus_exists(cardiologist, project):
    project.overlap = 1
    project.save(update_fields=["overlap"])
    [sample] = samples(project, 1)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    submit(lease, cardiologist)
    sample.refresh_from_db()
    assert sample.status == Sample.Status.COMPLETE

    assignment_undo(user=cardiologist.user)
    sample.refresh_from_db()
    assert sample.status == Sample.Status.OPEN and sample.reviews_done == 0

    submit(lease, cardiologist)
    ConsensusLabel.objects.create(
        sample=sample,
        project=project,
        report_id=0,
        grades={},
        confidence={},
        verdict="accept",
        verdict_confidence=1,
        min_confidence=1,
        n_reviews=1,
    )
    with pytest.raises(DomainError) as err:
        assignment_undo(user=cardiologist.user)
    assert err.value.code == "not_undoable"


def test_an_amended_review_cannot_be_undone(cardiologist, project):
    samples(project, 1)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    review = submit(lease, cardiologist)
    review_amend(
        review=review,
        user=cardiologist.user,
        grades=grades(),
        verdict="reject",
        rationale="On second thought.",
    )
    with pytest.raises(DomainError) as err:
        assignment_undo(user=cardiologist.user)
    assert err.value.code == "not_undoable"


def test_a_skip_whose_slot_went_to_others_stands(cardiologist, second_cardiologist, project):
    project.overlap = 1
    project.save(update_fields=["overlap"])
    samples(project, 1)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    assignment_skip(assignment=lease, user=cardiologist.user, reason="cannot_judge")
    assert assignment_next(user=second_cardiologist.user, project=project) is not None

    with pytest.raises(DomainError) as err:
        assignment_undo(user=cardiologist.user)
    assert err.value.code == "not_undoable"
    lease.refresh_from_db()
    assert lease.status == Assignment.Status.SKIPPED


def test_one_physician_cannot_undo_anothers_action(cardiologist, second_cardiologist, project):
    samples(project, 1)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    submit(lease, cardiologist)
    with pytest.raises(DomainError) as err:
        assignment_undo(user=second_cardiologist.user)
    assert err.value.code == "nothing_to_undo"
    assert Review.objects.filter(assignment=lease).exists()


def test_an_account_without_a_physician_profile_cannot_undo():
    with pytest.raises(DomainError) as err:
        assignment_undo(user=UserFactory())
    assert err.value.status == 403


def test_the_api_undoes_my_last_submit_and_says_why_not_otherwise(cardiologist, project):
    from rest_framework.test import APIClient

    samples(project, 1)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    submit(lease, cardiologist)
    client = APIClient()
    client.force_authenticate(cardiologist.user)

    response = client.post("/api/assignments/undo/")
    assert response.status_code == 200, response.content
    assert response.json()["undone"] == "review"
    assert response.json()["assignment"]["id"] == lease.pk
    assert not Review.objects.exists()

    again = client.post("/api/assignments/undo/")
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "nothing_to_undo"


def test_a_review_that_came_in_through_an_import_is_not_undone(cardiologist, project):
    from curation.reviewing.reviews import review_record

    [sample] = samples(project, 1)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    review_record(
        sample=sample,
        reviewer=cardiologist.user,
        grades=grades(),
        verdict="accept",
        source="import",
    )
    lease.refresh_from_db()
    assert lease.status == Assignment.Status.SUBMITTED
    with pytest.raises(DomainError) as err:
        assignment_undo(user=cardiologist.user)
    assert err.value.code == "not_undoable"
    assert Review.objects.filter(sample=sample).exists()
