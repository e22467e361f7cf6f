"""Every database constraint of the domain model refuses a bad row, whatever door it came in by.

Each case writes straight to the database (no form or service validation in the way) and expects
PostgreSQL to refuse it, naming the constraint. A named constraint without a case here fails
`test_every_named_constraint_has_a_case`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotators.models import CohortMembership, Physician, Specialty
from curation.models import (
    Assignment,
    Criterion,
    Project,
    Review,
    ReviewRevision,
    Rubric,
    Sample,
)
from tests.factories import (
    PhysicianFactory,
    ProjectFactory,
    RubricFactory,
    SampleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def assignment(sample, reviewer, **kwargs) -> Assignment:
    now = timezone.now()
    return Assignment.objects.create(
        project=sample.project,
        sample=sample,
        reviewer=reviewer,
        served_at=now,
        expires_at=now + timedelta(minutes=30),
        **kwargs,
    )


def review(sample, reviewer, **kwargs) -> Review:
    values = {
        "project": sample.project,
        "sample": sample,
        "reviewer": reviewer,
        "rubric": sample.project.rubric,
        "grades": {"accurate": True},
        "verdict": "accept",
        "submitted_at": timezone.now(),
        **kwargs,
    }
    return Review.objects.create(**values)


def _sample_dupe():
    s = SampleFactory(external_id="dup")
    SampleFactory(project=s.project, external_id="dup")


def _criterion(**kwargs):
    rubric = RubricFactory(criteria=[])
    values = {"rubric": rubric, "position": 0, "key": "k", "label": "K", "kind": "binary"}
    Criterion.objects.create(**{**values, **kwargs})


def _criterion_twice(field: str):
    rubric = RubricFactory(criteria=[])
    Criterion.objects.create(rubric=rubric, position=0, key="a", label="A", kind="binary")
    other = {"position": 1, "key": "b"}
    other[field] = {"position": 0, "key": "a"}[field]
    Criterion.objects.create(rubric=rubric, label="B", kind="binary", **other)


def _two_reviews_one_key():
    user = UserFactory()
    s1, s2 = SampleFactory(), SampleFactory()
    review(s1, user, client_key="k-1")
    review(s2, user, client_key="k-1")


def _two_physicians_one_licence():
    PhysicianFactory(licence_number="L-1", licence_jurisdiction="CA")
    PhysicianFactory(licence_number="L-1", licence_jurisdiction="CA")


def _membership_twice():
    physician = PhysicianFactory()
    from tests.factories import CohortFactory

    cohort = CohortFactory()
    CohortMembership.objects.create(cohort=cohort, physician=physician)
    CohortMembership.objects.create(cohort=cohort, physician=physician)


def _revision_twice():
    r = review(SampleFactory(), UserFactory())
    ReviewRevision.objects.create(review=r, revision=1, grades={}, verdict="accept")
    ReviewRevision.objects.create(review=r, revision=1, grades={}, verdict="accept")


CASES: dict[str, Callable[[], object]] = {
    # Sample
    "sample_external_id_unique": _sample_dupe,
    "sample_slots_open_non_negative": lambda: Sample.objects.filter(pk=SampleFactory().pk).update(
        slots_open=-1
    ),
    "sample_status_valid": lambda: SampleFactory(status="lost"),
    "sample_gold_has_reference": lambda: SampleFactory(is_gold=True, gold_grades=None),
    "sample_external_id_not_empty": lambda: SampleFactory(external_id=""),
    # Project
    "project_overlap_range": lambda: ProjectFactory(overlap=0),
    "project_gold_rate_range": lambda: ProjectFactory(gold_rate=1.5),
    "project_consensus_threshold_range": lambda: ProjectFactory(consensus_threshold=-0.1),
    "project_lease_positive": lambda: ProjectFactory(lease_minutes=0),
    "project_slug_key": lambda: (
        ProjectFactory(slug="same"),
        Project.objects.create(slug="same", name="Again", rubric=RubricFactory()),
    ),
    # Rubric and criteria
    "rubric_family_version": lambda: (
        RubricFactory(family="f", version=1),
        Rubric.objects.create(family="f", version=1, name="Again"),
    ),
    "rubric_version_positive": lambda: RubricFactory(version=0),
    "criterion_key_unique": lambda: _criterion_twice("key"),
    "criterion_position_unique": lambda: _criterion_twice("position"),
    "criterion_kind_valid": lambda: _criterion(kind="likert"),
    "criterion_ordinal_has_range": lambda: _criterion(kind="ordinal", min_value=5, max_value=1),
    "criterion_points_range": lambda: _criterion(kind="points", points=11),
    # Assignment
    "assignment_once": lambda: (lambda s, u: (assignment(s, u), assignment(s, u)))(
        SampleFactory(), UserFactory()
    ),
    "assignment_status_valid": lambda: assignment(SampleFactory(), UserFactory(), status="gone"),
    "assignment_skip_has_reason": lambda: assignment(
        SampleFactory(), UserFactory(), status="skipped", skip_reason=""
    ),
    # Review
    "review_once_per_sample": lambda: (lambda s, u: (review(s, u), review(s, u)))(
        SampleFactory(), UserFactory()
    ),
    "review_client_key_unique": _two_reviews_one_key,
    "review_verdict_valid": lambda: review(
        SampleFactory(), UserFactory(), verdict="maybe", rationale="Unsure."
    ),
    "review_revise_has_correction": lambda: review(
        SampleFactory(), UserFactory(), verdict="revise", rationale="Wrong dose."
    ),
    "review_rationale_unless_accept": lambda: review(
        SampleFactory(), UserFactory(), verdict="reject", rationale=""
    ),
    "review_revision_unique": _revision_twice,
    # Physician and cohort membership
    "physician_licence_unique": _two_physicians_one_licence,
    "physician_verified_has_who_and_when": lambda: PhysicianFactory(verified_by=None),
    "physician_years_in_practice_range": lambda: PhysicianFactory(years_in_practice=81),
    "physician_user_id_key": lambda: (lambda p: Physician.objects.create(user=p.user))(
        PhysicianFactory()
    ),
    "membership_unique": _membership_twice,
    "membership_role_valid": lambda: CohortMembership.objects.create(
        cohort=__import__("tests.factories").factories.CohortFactory(),
        physician=PhysicianFactory(),
        role="owner",
    ),
    # Specialty
    "specialty_code_key": lambda: Specialty.objects.create(code="cardiology", name="Heart 2"),
    "specialty_name_key": lambda: Specialty.objects.create(
        code="heart-2", name=Specialty.objects.get(code="cardiology").name
    ),
}


# Django's own check for a positive integer field fires before the named one; both hold.
SAME_RULE = {"sample_slots_open_non_negative": "curation_sample_slots_open_check"}


@pytest.mark.parametrize("constraint", sorted(CASES))
def test_the_database_refuses_a_row_breaking(constraint):
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        CASES[constraint]()
    message = str(caught.value)
    assert constraint in message or SAME_RULE.get(constraint, "-") in message, message


MODELS = (
    Sample,
    Project,
    Rubric,
    Criterion,
    Assignment,
    Review,
    ReviewRevision,
    Physician,
    CohortMembership,
)


def test_every_named_constraint_has_a_case():
    named = {c.name for model in MODELS for c in model._meta.constraints}
    assert named - set(CASES) == set()


def test_a_valid_row_of_each_kind_is_accepted():
    s = SampleFactory(is_gold=True, gold_grades={"accurate": True})
    user = UserFactory()
    a = assignment(s, user, status="skipped", skip_reason="cannot_judge")
    r = review(s, user, verdict="revise", corrected_answer="Better.", rationale="Dose.")
    assert a.pk and r.pk
