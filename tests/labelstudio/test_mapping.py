"""Annotation results map to Rounds grades for every control type, and back."""

from __future__ import annotations

import pytest

from core.errors import DomainError
from curation.labelstudio.mapping import result_to_review, review_to_result
from tests.factories import RubricFactory

pytestmark = pytest.mark.django_db

HARM = {
    "key": "harm",
    "label": "Potential harm",
    "kind": "ordinal",
    "min_value": 0,
    "max_value": 3,
    "labels": {"0": "None", "3": "Severe"},
}


@pytest.fixture
def criteria():
    rubric = RubricFactory()  # binary, ordinal 1..5 (Rating), nominal, points with N/A
    extra = RubricFactory(criteria=[HARM])  # an ordinal shown as Choices
    return [*rubric.criteria.order_by("position"), *extra.criteria.all()]


def item(name, kind, value):
    return {"from_name": name, "to_name": "answer", "type": kind, "value": value}


@pytest.mark.parametrize(
    "grades",
    [
        {"accurate": True, "completeness": 4, "urgency": "emergent", "advises_er": True, "harm": 0},
        {"accurate": False, "completeness": 1, "urgency": "routine", "advises_er": None, "harm": 3},
        {"accurate": True, "completeness": 5, "urgency": "urgent", "advises_er": False, "harm": 2},
    ],
)
def test_every_control_round_trips(criteria, grades):
    result = review_to_result(
        criteria=criteria,
        grades=grades,
        verdict="revise",
        corrected_answer="Call 911 now.",
        rationale="Misses the red flags.",
    )
    mapped = result_to_review(result, criteria)
    assert mapped.grades == grades
    assert mapped.verdict == "revise"
    assert mapped.corrected_answer == "Call 911 now."
    assert mapped.rationale == "Misses the red flags."


def test_each_result_type_maps_to_the_rounds_value(criteria):
    mapped = result_to_review(
        [
            item("accurate", "choices", {"choices": ["not_met"]}),
            item("completeness", "rating", {"rating": 3}),
            item("urgency", "choices", {"choices": ["urgent"]}),
            item("advises_er", "choices", {"choices": ["na"]}),
            item("harm", "choices", {"choices": ["2"]}),
            item("verdict", "choices", {"choices": ["reject"]}),
            item("rationale", "textarea", {"text": ["Unsafe.", "Wrong dose."]}),
        ],
        criteria,
    )
    assert mapped.grades == {
        "accurate": False,
        "completeness": 3,
        "urgency": "urgent",
        "advises_er": None,
        "harm": 2,
    }
    assert mapped.verdict == "reject"
    assert mapped.rationale == "Unsafe.\nWrong dose."
    assert mapped.corrected_answer == ""


def test_displayed_choice_text_is_accepted_as_well_as_the_alias(criteria):
    mapped = result_to_review(
        [
            item("accurate", "choices", {"choices": ["Met"]}),
            item("advises_er", "choices", {"choices": ["Not applicable"]}),
            item("harm", "choices", {"choices": ["3 — Severe"]}),
            item("verdict", "choices", {"choices": ["Accept"]}),
        ],
        criteria,
    )
    assert mapped.grades == {"accurate": True, "advises_er": None, "harm": 3}
    assert mapped.verdict == "accept"


def test_every_bad_control_is_named(criteria):
    with pytest.raises(DomainError) as caught:
        result_to_review(
            [
                item("accurate", "choices", {"choices": ["maybe"]}),
                item("urgency", "rating", {"rating": 2}),
                item("advises_er", "choices", {"choices": ["met", "not_met"]}),
                item("mood", "choices", {"choices": ["happy"]}),
            ],
            criteria,
        )
    by_field = {d.field: d.message for d in caught.value.details}
    assert "'maybe' is not one of the choices" in by_field["accurate"]
    assert "cannot grade a nominal criterion" in by_field["urgency"]
    assert "exactly one choice" in by_field["advises_er"]
    assert "not a control" in by_field["mood"]


def test_not_applicable_is_not_offered_where_the_rubric_forbids_it(criteria):
    with pytest.raises(DomainError) as caught:
        result_to_review([item("accurate", "choices", {"choices": ["na"]})], criteria)
    assert caught.value.details[0].field == "accurate"


def test_a_result_that_is_not_a_list_is_refused(criteria):
    with pytest.raises(DomainError) as caught:
        result_to_review({"accurate": "met"}, criteria)
    assert caught.value.details[0].field == "result"
