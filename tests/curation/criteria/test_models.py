"""Sample criteria and their grades: what the database refuses, and the history kept."""

import pytest
from django.db import IntegrityError, transaction

from core.errors import DomainError
from curation.criteria.services import (
    criterion_create,
    criterion_edit,
    criterion_grade_record,
    criterion_warnings,
    model_grader_register,
)
from curation.models import CriterionGrade, ModelGrader, SampleCriterion
from tests.factories import SampleFactory


@pytest.fixture
def sample(project):
    return SampleFactory(project=project)


@pytest.mark.parametrize("points", [0, 11, -11, 2.5, True])
def test_points_outside_minus_ten_to_ten_or_zero_are_refused(sample, cardiologist, points):
    with pytest.raises(DomainError) as exc:
        criterion_create(
            sample=sample,
            text="Advises 911",
            points=points,
            axis="accuracy",
            actor=cardiologist.user,
        )
    assert exc.value.field == "points"
    assert not SampleCriterion.objects.exists()


def test_database_refuses_zero_points_too(sample):
    with pytest.raises(IntegrityError), transaction.atomic():
        SampleCriterion.objects.create(
            sample=sample, position=0, text="x", points=0, axis="accuracy"
        )


def test_unknown_axis_is_refused(sample, cardiologist):
    with pytest.raises(DomainError) as exc:
        criterion_create(sample=sample, text="x", points=3, axis="vibes", actor=cardiologist.user)
    assert exc.value.field == "axis"


def test_every_edit_is_kept_in_the_history(sample, cardiologist, second_cardiologist):
    c = criterion_create(
        sample=sample,
        text="Advises calling 911",
        points=8,
        axis="accuracy",
        actor=cardiologist.user,
    )
    c = criterion_edit(
        criterion=c, text="Advises calling emergency services", actor=second_cardiologist.user
    )
    assert c.revision == 2
    history = list(c.edits.values_list("revision", "action", "text", "actor__username"))
    assert history == [
        (1, "create", "Advises calling 911", "alice@rounds.test"),
        (2, "edit", "Advises calling emergency services", "bob@rounds.test"),
    ]
    assert c.all_tags == ["level:example", "axis:accuracy"]


def test_warnings_for_joined_checks_and_long_criteria():
    assert criterion_warnings("Advises calling 911") == []
    assert any("two checks" in w for w in criterion_warnings("Mentions aspirin; and advises rest"))
    assert any("long" in w for w in criterion_warnings("word " * 41))


def test_model_grader_is_registered_by_name_and_version_without_a_physician(sample, cardiologist):
    grader = model_grader_register(name="judge", version="2025-05", actor=None)
    assert model_grader_register(name="judge", version="2025-05", actor=None) == grader
    c = criterion_create(
        sample=sample, text="Advises 911", points=5, axis="accuracy", actor=cardiologist.user
    )
    _, outcome = criterion_grade_record(criterion=c, met=True, model_grader=grader, actor=None)
    assert outcome == "created"
    _, outcome = criterion_grade_record(criterion=c, met=True, model_grader=grader, actor=None)
    assert outcome == "unchanged"
    _, outcome = criterion_grade_record(
        criterion=c, met=False, physician=cardiologist.user, actor=cardiologist.user
    )
    assert outcome == "created"
    assert CriterionGrade.objects.filter(criterion=c).count() == 2
    assert str(ModelGrader.objects.get()) == "judge@2025-05"


def test_a_grade_has_exactly_one_grader(sample, cardiologist):
    c = criterion_create(
        sample=sample, text="Advises 911", points=5, axis="accuracy", actor=cardiologist.user
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        CriterionGrade.objects.create(criterion=c, met=True)
    with pytest.raises(DomainError):
        criterion_grade_record(criterion=c, met=True, actor=None)
