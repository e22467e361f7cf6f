"""Amending a review: a new revision each time, until the sample is settled."""

from __future__ import annotations

import pytest

from core.errors import DomainError
from core.models import AuditEvent
from curation.models import Sample
from curation.reviewing.assignment import assignment_next
from curation.reviewing.reviews import review_amend, review_submit
from tests.curation.workflow_helpers import grades, samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(cardiologist, project):
    samples(project, 1)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    return review_submit(
        assignment_id=lease.pk, user=cardiologist.user, grades=grades(), verdict="accept"
    ).review


def amend(review, physician, **kwargs):
    values = {"grades": grades(), "verdict": "accept"} | kwargs
    return review_amend(review=review, user=physician.user, **values)


def test_each_amendment_is_a_new_revision_and_the_first_is_kept(review, cardiologist):
    amend(review, cardiologist, grades=grades(completeness=2))
    amended = amend(
        review,
        cardiologist,
        verdict="revise",
        corrected_answer="Go to the emergency department now.",
        rationale="Too reassuring.",
    )
    assert amended.revision == 3
    revisions = list(amended.revisions.order_by("revision"))
    assert [r.revision for r in revisions] == [1, 2, 3]
    assert revisions[0].grades["completeness"] == 4
    assert revisions[1].grades["completeness"] == 2
    assert revisions[2].verdict == "revise"
    assert amended.original_answer == review.sample.answer
    event = AuditEvent.objects.filter(action="review.amend").latest("id")
    assert event.before["verdict"] == "accept" and event.after["verdict"] == "revise"


def test_an_unchanged_amendment_writes_nothing(review, cardiologist):
    again = amend(review, cardiologist)
    assert again.revision == 1
    assert not AuditEvent.objects.filter(action="review.amend").exists()


def test_an_amendment_is_validated_like_a_submit(review, cardiologist):
    with pytest.raises(DomainError) as err:
        amend(review, cardiologist, verdict="reject")
    assert err.value.details[0].field == "rationale"
    review.refresh_from_db()
    assert review.revision == 1


def test_a_settled_sample_can_no_longer_be_amended(review, cardiologist):
    Sample.objects.filter(pk=review.sample_id).update(status=Sample.Status.SETTLED)
    with pytest.raises(DomainError) as err:
        amend(review, cardiologist, grades=grades(completeness=1))
    assert err.value.code == "settled"
    assert "settled" in err.value.message


@pytest.mark.parametrize("status", [Sample.Status.COMPLETE, Sample.Status.ADJUDICATION])
def test_a_review_is_frozen_once_its_sample_leaves_open(review, cardiologist, status):
    """In adjudication the reviewers may have seen each other's reviews: nobody rewrites theirs."""
    Sample.objects.filter(pk=review.sample_id).update(status=status)
    with pytest.raises(DomainError) as err:
        amend(review, cardiologist, grades=grades(completeness=1))
    assert err.value.status == 409 and err.value.code == "reviews_frozen"
    assert "can no longer be amended" in err.value.message
    review.refresh_from_db()
    assert review.revision == 1


def test_nobody_else_can_amend_my_review(review, second_cardiologist):
    with pytest.raises(DomainError) as err:
        amend(review, second_cardiologist, grades=grades(completeness=1))
    assert err.value.status == 404
