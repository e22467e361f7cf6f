"""Each hand-written lifecycle transition and its ORM twin leave the same rows behind.

PostgreSQL runs the SQL form; SQLite (the demo) runs the ORM form. Each case below sets up the
same rows once, runs one form inside a savepoint, reads every row the transition may touch,
rolls back, runs the other form, and compares.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from curation.models import Assignment, ConsensusLabel, ReviewDraft, Sample
from curation.reviewing import lifecycle
from curation.services.assignment import assignment_next
from curation.services.reviews import review_record
from tests.curation.workflow_helpers import grades
from tests.factories import SampleFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
SAMPLE_FIELDS = (
    "id",
    "status",
    "reviews_done",
    "slots_open",
    "quarantined",
    "final_grades",
    "final_verdict",
    "final_answer",
    "final_source",
    "settled_at",
    "updated_at",
)


def _rows() -> dict:
    return {
        "samples": list(Sample.objects.order_by("id").values_list(*SAMPLE_FIELDS)),
        "assignments": list(
            Assignment.objects.order_by("id").values_list("id", "status", "completed_at")
        ),
        "drafts": list(ReviewDraft.objects.order_by("id").values_list("id", "assignment_id")),
    }


def _both(sql, orm) -> tuple:
    """(result, rows) of each form, from the same starting rows."""
    outcomes = []
    for form in (sql, orm):
        point = transaction.savepoint()
        result = form()
        outcomes.append((result, _rows()))
        transaction.savepoint_rollback(point)
    return outcomes


def _assert_same(sql_outcome, orm_outcome, changed_something=True):
    assert sql_outcome == orm_outcome
    if changed_something:
        assert sql_outcome[1] != _rows(), "the case must exercise the transition"


@pytest.fixture
def pair(project):
    project.overlap = 2
    project.consensus_threshold = 0.8
    project.save()
    return project


def _record(sample, physician, verdict="accept", correction=""):
    review_record(
        sample=sample,
        reviewer=physician.user,
        grades=grades(),
        verdict=verdict,
        corrected_answer=correction,
        rationale="" if verdict == "accept" else "Because.",
        source="import",
    )


@pytest.mark.parametrize(
    ("status", "done"),
    [("open", 0), ("open", 1), ("open", 5), ("complete", 2), ("adjudication", 2), ("settled", 2)],
)
def test_counting_a_review_is_the_same_in_sql_and_orm(pair, status, done):
    sample = SampleFactory(project=pair, status=status, reviews_done=done)
    args = {"sample_id": sample.pk, "overlap": pair.overlap, "now": NOW}
    sql, orm = _both(lambda: lifecycle._counted_sql(**args), lambda: lifecycle._counted_orm(**args))
    _assert_same(sql, orm)


def test_settling_is_the_same_in_sql_and_orm(pair, cardiologist, second_cardiologist, lead):
    from curation.models import AgreementReport

    report = AgreementReport.objects.create(project=pair, method="test")
    cases = {
        # name: (verdict, confidence, n_reviews, answer_from)
        "accept": ("accept", 0.95, 2, None),
        "revise": ("revise", 0.95, 2, cardiologist),
        "revise-no-review": ("revise", 0.95, 2, lead),  # the lead wrote no review
        "reject": ("reject", 0.99, 2, None),
        "unsure": ("accept", 0.30, 2, None),
        "too-few": ("accept", 0.95, 1, None),
        "at-threshold": ("accept", 0.80, 2, None),
    }
    for name, (verdict, confidence, n, answer_from) in cases.items():
        sample = SampleFactory(project=pair, external_id=name)
        _record(sample, cardiologist, "revise", f"Better answer for {name}.")
        _record(sample, second_cardiologist)
        answer_user = answer_from.user if answer_from else None
        ConsensusLabel.objects.create(
            sample=sample,
            project=pair,
            report=report,
            grades=grades(),
            confidence={},
            verdict=verdict,
            verdict_confidence=confidence,
            min_confidence=confidence,
            n_reviews=n,
            answer_from=answer_user,
        )
    SampleFactory(project=pair, external_id="open-one")
    held_back = SampleFactory(project=pair, external_id="held-back")
    _record(held_back, cardiologist)
    _record(held_back, second_cardiologist)
    ConsensusLabel.objects.create(
        sample=held_back,
        project=pair,
        report=report,
        grades=grades(),
        confidence={},
        verdict="accept",
        verdict_confidence=1.0,
        min_confidence=1.0,
        n_reviews=2,
    )
    Sample.objects.filter(pk=held_back.pk).update(quarantined=True)
    args = {"project": pair, "threshold": 0.8 - 1e-9, "now": NOW}
    sql, orm = _both(lambda: lifecycle._settle_sql(**args), lambda: lifecycle._settle_orm(**args))
    _assert_same(sql, orm)
    assert sql[0] == (5, 1)


def test_revoking_leases_is_the_same_in_sql_and_orm(
    pair, cardiologist, second_cardiologist, neurologist
):
    regular = SampleFactory(project=pair, external_id="regular")
    gold = SampleFactory(
        project=pair, external_id="gold", is_gold=True, gold_grades=grades(), slots_open=0
    )
    untouched = SampleFactory(project=pair, external_id="untouched")
    now = timezone.now()
    for physician, sample, status in (
        (cardiologist, regular, Assignment.Status.LEASED),
        (second_cardiologist, regular, Assignment.Status.SUBMITTED),
        (neurologist, regular, Assignment.Status.EXPIRED),
        (cardiologist, gold, Assignment.Status.LEASED),
        (second_cardiologist, untouched, Assignment.Status.LEASED),
    ):
        lease = Assignment.objects.create(
            project=pair,
            sample=sample,
            reviewer=physician.user,
            status=status,
            served_at=now,
            expires_at=now + timedelta(minutes=30),
        )
        if status == Assignment.Status.LEASED:
            ReviewDraft.objects.create(assignment=lease, payload={"rationale": "half"})
    Sample.objects.filter(pk=regular.pk).update(slots_open=1)
    ids = [regular.pk, gold.pk]
    sql, orm = _both(
        lambda: lifecycle._revoke_sql(sample_ids=ids, now=NOW),
        lambda: lifecycle._revoke_orm(sample_ids=ids, now=NOW),
    )
    _assert_same(sql, orm)
    assert len(sql[0]) == 2


def test_a_lease_taken_through_the_queue_is_revoked_alike(pair, cardiologist):
    SampleFactory(project=pair)
    lease = assignment_next(user=cardiologist.user, project=pair)
    ids = [lease.sample_id]
    sql, orm = _both(
        lambda: lifecycle._revoke_sql(sample_ids=ids, now=NOW),
        lambda: lifecycle._revoke_orm(sample_ids=ids, now=NOW),
    )
    _assert_same(sql, orm)
