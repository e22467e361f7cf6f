"""import_reviews on a comparison project: judgments, validated like the review page's."""

from __future__ import annotations

import json

import pytest

from core.errors import DomainError
from curation.intake.review_import import reviews_import
from curation.intake.services import samples_import
from curation.models import Comparison, Sample

from .conftest import comparison_record, jsonl


@pytest.fixture
def samples(comparison_project, admin):
    samples_import(
        project=comparison_project,
        source=[comparison_record("c1", 3), comparison_record("c2", 2)],
        actor=admin,
    )
    return comparison_project


def judgment(**over) -> dict:
    return {
        "sample_id": "c1",
        "physician": "alice@rounds.test",
        "preferred": "r2",
        "ranking": ["r2", "r1", "r3"],
        "axes": {"accuracy": "r1", "safety": "tie"},
        "rationale": "r2 sends the patient to the emergency department.",
        "submitted_at": "2025-03-01T10:00:00Z",
        **over,
    }


def _import(project, admin, *records):
    return reviews_import(project=project, source=jsonl(*records), actor=admin, filename="j.jsonl")


def _errors(project, admin, *records) -> list[tuple[int, str, str]]:
    with pytest.raises(DomainError) as caught:
        _import(project, admin, *records)
    return [(d.line, d.field, d.code) for d in caught.value.details]


def test_judgments_are_recorded_and_count_toward_k(
    samples, admin, cardiologist, second_cardiologist
):
    result = _import(
        samples,
        admin,
        judgment(),
        judgment(physician="bob@rounds.test", preferred="r1", ranking=None),
    )
    assert (result.created, result.unchanged) == (2, 0)
    alice = Comparison.objects.get(reviewer=cardiologist.user)
    assert (alice.preferred, alice.ranking, alice.axes) == (
        "r2",
        ["r2", "r1", "r3"],
        {"accuracy": "r1", "safety": "tie"},
    )
    assert alice.submitted_at.isoformat() == "2025-03-01T10:00:00+00:00"
    sample = Sample.objects.get(external_id="c1")
    assert (sample.reviews_done, sample.status) == (2, "complete")


def test_reimport_is_unchanged_and_a_change_amends(samples, admin, cardiologist):
    _import(samples, admin, judgment())
    assert _import(samples, admin, judgment()).unchanged == 1
    again = _import(samples, admin, judgment(preferred="r3", ranking=["r3", "r2", "r1"]))
    assert again.amended == 1
    assert Comparison.objects.get().preferred == "r3"
    assert Sample.objects.get(external_id="c1").reviews_done == 1


def test_unknown_response_id_is_refused(samples, admin, cardiologist):
    assert _errors(samples, admin, judgment(preferred="r9", ranking=None)) == [
        (1, "preferred", "unknown")
    ]
    assert _errors(samples, admin, judgment(axes={"accuracy": "r4"})) == [
        (1, "axes.accuracy", "unknown")
    ]
    assert not Comparison.objects.exists()


def test_response_of_another_sample_is_unknown(samples, admin, cardiologist):
    # c2 has only r1 and r2.
    errors = _errors(samples, admin, judgment(sample_id="c2", preferred="r3", ranking=None))
    assert errors == [(1, "preferred", "unknown")]


def test_tie_is_refused_where_the_project_forbids_ties(strict_project, admin, cardiologist):
    samples_import(project=strict_project, source=[comparison_record("c1")], actor=admin)
    errors = _errors(
        strict_project,
        admin,
        judgment(preferred="tie", ranking=None, axes={"accuracy": "r1"}),
        judgment(physician="alice@rounds.test", sample_id="c1", axes={"safety": "tie"}),
    )
    assert errors == [(1, "preferred", "tie"), (2, "sample_id", "duplicate")]


def test_tie_on_an_axis_is_refused_where_ties_are_forbidden(strict_project, admin, cardiologist):
    samples_import(project=strict_project, source=[comparison_record("c1")], actor=admin)
    assert _errors(strict_project, admin, judgment()) == [(1, "axes.safety", "tie")]


def test_tie_is_accepted_where_ties_are_allowed(samples, admin, cardiologist):
    _import(samples, admin, judgment(preferred="tie", ranking=None))
    assert Comparison.objects.get().preferred == "tie"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"ranking": ["r2", "r1"]}, "ranking"),
        ({"ranking": ["r1", "r2", "r3"]}, "ranking"),
        ({"axes": {"kindness": "r1"}}, "axes.kindness"),
        ({"preferred": None}, "preferred"),
        ({"sample_id": "nope"}, "sample_id"),
        ({"physician": "nobody@x.org"}, "physician"),
        ({"grades": {}}, "grades"),
        ({"submitted_at": "yesterday"}, "submitted_at"),
    ],
)
def test_each_bad_field_is_named_and_nothing_is_written(samples, admin, cardiologist, over, field):
    errors = _errors(
        samples, admin, judgment(sample_id="c2", preferred="r1", ranking=None), judgment(**over)
    )
    assert [(line, f) for line, f, _ in errors] == [(2, field)]
    assert not Comparison.objects.exists()


def test_json_array_is_accepted(samples, admin, cardiologist):
    result = reviews_import(
        project=samples, source=json.dumps([judgment()]).encode(), actor=admin, filename="j.json"
    )
    assert result.created == 1
