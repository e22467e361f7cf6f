"""Submitting a review: validated against the rubric, idempotent, timed, counted once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from annotators.models import Physician
from core.errors import DomainError
from core.models import AuditEvent
from curation.models import Assignment, Review, ReviewDraft, Sample
from curation.reviewing.assignment import assignment_next, assignments_expire
from curation.reviewing.reviews import review_draft_save, review_submit
from tests.curation.workflow_helpers import grades, samples
from tests.factories import PhysicianFactory, ProjectFactory, join

pytestmark = pytest.mark.django_db


@pytest.fixture
def lease(cardiologist, project):
    samples(project, 1)
    return assignment_next(user=cardiologist.user, project=project).assignment


def submit(lease, physician, **kwargs):
    values = {"grades": grades(), "verdict": "accept"} | kwargs
    return review_submit(assignment_id=lease.pk, user=physician.user, **values).review


def errors_of(excinfo) -> dict[str, str]:
    return {d.field: d.message for d in excinfo.value.details}


def test_a_review_is_stored_with_the_original_answer_and_revision_one(lease, cardiologist):
    review = submit(
        lease,
        cardiologist,
        verdict="revise",
        corrected_answer="Call 911 now: crushing chest pain is an emergency.",
        rationale="The answer delays emergency care.",
        flags=["unsafe", "unsafe", " delay "],
    )
    review.refresh_from_db()
    assert review.submitted_at is not None
    assert review.original_answer == lease.sample.answer
    assert review.corrected_answer.startswith("Call 911")
    assert review.flags == ["delay", "unsafe"]
    assert review.revision == 1
    assert [r.revision for r in review.revisions.all()] == [1]
    lease.refresh_from_db()
    assert lease.status == Assignment.Status.SUBMITTED
    assert lease.completed_at is not None
    event = AuditEvent.objects.get(action="review.submit", object_id=str(review.pk))
    assert event.after["verdict"] == "revise"


def test_time_on_task_runs_from_serving_to_submit(lease, cardiologist):
    Assignment.objects.filter(pk=lease.pk).update(served_at=lease.served_at - timedelta(seconds=95))
    review = submit(lease, cardiologist)
    assert 95_000 <= review.time_on_task_ms < 105_000


def test_time_on_task_given_by_the_client_is_kept(lease, cardiologist):
    assert submit(lease, cardiologist, time_on_task_ms=4321).time_on_task_ms == 4321


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        ({"accurate": "maybe"}, "grades.accurate", "must be true or false"),
        ({"completeness": 9}, "grades.completeness", "must be from 1 to 5, got 9"),
        ({"completeness": "lots"}, "grades.completeness", "must be an integer from 1 to 5"),
        ({"urgency": "whenever"}, "grades.urgency", "must be one of emergent, urgent, routine"),
        ({"accurate": None}, "grades.accurate", "cannot be marked not applicable"),
        ({"advises_er": "sometimes"}, "grades.advises_er", "must be true or false"),
        ({"bedside_manner": 3}, "grades.bedside_manner", "is not a criterion of this rubric"),
    ],
)
def test_each_bad_grade_is_named_with_its_criterion(lease, cardiologist, bad, field, message):
    with pytest.raises(DomainError) as err:
        submit(lease, cardiologist, grades=grades(**bad))
    assert message in errors_of(err)[field]
    assert not Review.objects.exists()


def test_a_missing_criterion_is_named(lease, cardiologist):
    partial = grades()
    del partial["urgency"]
    with pytest.raises(DomainError) as err:
        submit(lease, cardiologist, grades=partial)
    assert "every criterion must be graded" in errors_of(err)["grades.urgency"]


def test_grades_must_be_an_object(lease, cardiologist):
    with pytest.raises(DomainError) as err:
        submit(lease, cardiologist, grades=["accurate"])
    assert "must be an object" in errors_of(err)["grades"]


def test_every_problem_is_listed_at_once(lease, cardiologist):
    with pytest.raises(DomainError) as err:
        submit(lease, cardiologist, grades={"accurate": 3, "completeness": 0}, verdict="revise")
    fields = set(errors_of(err))
    assert {"grades.accurate", "grades.completeness", "grades.urgency", "grades.advises_er"} <= (
        fields
    )
    assert {"corrected_answer", "rationale"} <= fields


def test_not_applicable_is_accepted_where_the_criterion_allows_it(lease, cardiologist):
    assert submit(lease, cardiologist, grades=grades(advises_er=None)).grades["advises_er"] is None


def test_verdict_must_be_known(lease, cardiologist):
    with pytest.raises(DomainError) as err:
        submit(lease, cardiologist, verdict="maybe")
    assert "must be one of accept, revise, reject" in errors_of(err)["verdict"]


def test_revise_needs_a_correction_and_a_rationale(lease, cardiologist):
    with pytest.raises(DomainError) as err:
        submit(lease, cardiologist, verdict="revise", corrected_answer="  ")
    assert errors_of(err) == {
        "corrected_answer": "is required when the verdict is revise",
        "rationale": "is required when the verdict is revise",
    }


def test_reject_needs_a_rationale(lease, cardiologist):
    with pytest.raises(DomainError) as err:
        submit(lease, cardiologist, verdict="reject")
    assert errors_of(err) == {"rationale": "is required when the verdict is reject"}


def test_a_retried_submit_with_the_same_client_key_creates_one_review(lease, cardiologist):
    values = {"grades": grades(), "verdict": "accept", "client_key": "tab-1-submit"}
    first = review_submit(assignment_id=lease.pk, user=cardiologist.user, **values)
    again = review_submit(assignment_id=lease.pk, user=cardiologist.user, **values)
    assert first.created is True and again.created is False
    assert again.review.pk == first.review.pk
    assert Review.objects.count() == 1
    assert Sample.objects.get(pk=lease.sample_id).reviews_done == 1


def test_a_retried_submit_without_a_key_but_same_content_is_also_one_review(lease, cardiologist):
    first = submit(lease, cardiologist)
    assert submit(lease, cardiologist).pk == first.pk
    with pytest.raises(DomainError, match="amend your review instead"):
        submit(lease, cardiologist, grades=grades(completeness=2))


def test_a_client_key_cannot_be_reused_for_another_sample(cardiologist, project):
    samples(project, 2)
    first = assignment_next(user=cardiologist.user, project=project).assignment
    submit(first, cardiologist, client_key="k1")
    second = assignment_next(user=cardiologist.user, project=project).assignment
    with pytest.raises(DomainError, match="already used for a different sample"):
        submit(second, cardiologist, client_key="k1")


def test_the_sample_is_complete_when_k_reviews_are_in(cohort):
    project = ProjectFactory(cohorts=[cohort], overlap=2)
    [sample] = samples(project, 1)
    physicians = PhysicianFactory.create_batch(2, specialties=["cardiology"])
    for physician in physicians:
        join(cohort, physician)
    leases = [assignment_next(user=p.user, project=project).assignment for p in physicians]
    submit(leases[0], physicians[0])
    sample.refresh_from_db()
    assert (sample.reviews_done, sample.status) == (1, Sample.Status.OPEN)
    submit(leases[1], physicians[1])
    sample.refresh_from_db()
    assert (sample.reviews_done, sample.status) == (2, Sample.Status.COMPLETE)
    assert sample.slots_open == 0


def test_a_suspended_physician_cannot_submit(lease, cardiologist):
    Physician.objects.filter(pk=cardiologist.pk).update(
        status=Physician.Status.SUSPENDED, status_reason="under review"
    )
    with pytest.raises(DomainError) as err:
        submit(lease, cardiologist)
    assert err.value.code == "not_allowed"
    assert "suspended" in err.value.message
    assert not Review.objects.exists()


def test_someone_else_cannot_submit_on_my_lease(lease, second_cardiologist):
    with pytest.raises(DomainError) as err:
        submit(lease, second_cardiologist)
    assert err.value.status == 404


def test_a_skipped_lease_cannot_be_reviewed(lease, cardiologist):
    from curation.reviewing.assignment import assignment_skip

    assignment_skip(assignment=lease, user=cardiologist.user, reason="cannot_judge")
    with pytest.raises(DomainError, match="skipped"):
        submit(lease, cardiologist)


def test_an_expired_lease_can_still_be_submitted_while_a_slot_is_free(lease, cardiologist):
    Assignment.objects.filter(pk=lease.pk).update(expires_at=lease.served_at)
    assignments_expire()
    review = submit(lease, cardiologist)
    sample = Sample.objects.get(pk=lease.sample_id)
    assert review.pk and sample.slots_open == sample.project.overlap - 1


def test_an_expired_lease_whose_sample_filled_up_is_refused(cohort):
    project = ProjectFactory(cohorts=[cohort], overlap=1)
    samples(project, 1)
    first, second = PhysicianFactory.create_batch(2, specialties=["cardiology"])
    join(cohort, first)
    join(cohort, second)
    lease = assignment_next(user=first.user, project=project).assignment
    Assignment.objects.filter(pk=lease.pk).update(expires_at=lease.served_at)
    assignments_expire()
    assignment_next(user=second.user, project=project).assignment
    with pytest.raises(DomainError) as err:
        submit(lease, first)
    assert err.value.code == "lease_expired"


def test_the_draft_is_upserted_and_dropped_on_submit(lease, cardiologist):
    review_draft_save(assignment=lease, user=cardiologist.user, payload={"grades": {"a": 1}})
    draft = review_draft_save(
        assignment=lease, user=cardiologist.user, payload={"grades": {"accurate": True}}
    )
    assert ReviewDraft.objects.get().payload == {"grades": {"accurate": True}}
    assert draft.assignment_id == lease.pk
    assert AuditEvent.objects.filter(action="review_draft.create").count() == 1
    submit(lease, cardiologist)
    assert not ReviewDraft.objects.exists()
