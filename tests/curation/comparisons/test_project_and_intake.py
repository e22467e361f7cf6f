"""A comparison project from its file, and comparison samples through the import door."""

from __future__ import annotations

import pytest

from core.errors import DomainError
from curation.intake.services import samples_import
from curation.models import Project, Sample, SampleResponse
from curation.projects.services import project_load

from .conftest import comparison_record, jsonl


def test_project_file_makes_a_comparison_project(comparison_project):
    project = Project.objects.get(slug="chest-pain-compare")
    assert project.kind == "comparison"
    assert project.allow_ties is True
    assert [a["key"] for a in project.comparison_axes] == ["accuracy", "safety"]
    assert project.comparison_axes[0]["guidance"] == "Which response is more correct?"
    # Without rubric criteria the axes are recorded as the project's rubric.
    assert list(project.rubric.criteria.values_list("key", flat=True)) == [
        "overall",
        "accuracy",
        "safety",
    ]


def test_axes_are_refused_on_a_grading_project(admin, cohort):
    text = (
        "slug: x\nname: X\naxes: [{key: a, label: A}]\nrubric: {name: R, criteria: "
        "[{key: ok, label: OK, kind: binary}]}\n"
    )
    with pytest.raises(DomainError) as caught:
        project_load(data=text, actor=admin)
    assert any(d.field == "axes" for d in caught.value.details)


def test_axis_named_overall_is_refused(admin, cohort):
    text = "slug: x\nname: X\nkind: comparison\naxes: [{key: overall, label: A}]\n"
    with pytest.raises(DomainError) as caught:
        project_load(data=text, actor=admin)
    assert [d.field for d in caught.value.details] == ["axes[0].key"]


def test_import_stores_responses_in_file_order(comparison_project, admin):
    result = samples_import(
        project=comparison_project,
        source=jsonl(comparison_record("c1", 3), comparison_record("c2", 2)),
        actor=admin,
        filename="cmp.jsonl",
    )
    assert (result.created, result.quarantined) == (2, 0)
    sample = Sample.objects.get(external_id="c1")
    assert sample.slots_open == 2 and sample.answer == ""
    assert list(sample.responses.values_list("key", "model")) == [
        ("r1", "model-a"),
        ("r2", "model-b"),
        ("r3", "model-c"),
    ]


def test_json_array_import_and_idempotence(comparison_project, admin):
    records = [comparison_record("c1"), comparison_record("c2")]
    samples_import(project=comparison_project, source=records, actor=admin)
    again = samples_import(project=comparison_project, source=records, actor=admin)
    assert (again.created, again.unchanged) == (0, 2)
    assert SampleResponse.objects.count() == 6


def test_changed_sample_is_a_conflict_unless_update(comparison_project, admin):
    samples_import(project=comparison_project, source=[comparison_record("c1")], actor=admin)
    changed = comparison_record("c1")
    changed["responses"][0]["content"] = "Rest at home."
    result = samples_import(project=comparison_project, source=[changed], actor=admin)
    assert result.conflicts == ["c1"]
    result = samples_import(project=comparison_project, source=[changed], actor=admin, update=True)
    assert result.updated == 1
    assert SampleResponse.objects.get(key="r1").content == "Rest at home."


def _errors(project, admin, *records) -> list[tuple[int, str, str]]:
    with pytest.raises(DomainError) as caught:
        samples_import(project=project, source=jsonl(*records), actor=admin, filename="bad.jsonl")
    return [(d.line, d.field, d.message) for d in caught.value.details]


def test_one_response_is_refused_with_its_line(comparison_project, admin):
    errors = _errors(comparison_project, admin, comparison_record("ok"), comparison_record("c", 1))
    assert errors == [(2, "responses", "must hold 2 to 4 responses, got 1")]
    assert not Sample.objects.exists()  # atomic: the valid first line is not written


def test_five_responses_are_refused(comparison_project, admin):
    errors = _errors(comparison_project, admin, comparison_record("c", 5))
    assert errors == [(1, "responses", "must hold 2 to 4 responses, got 5")]


def test_duplicate_response_ids_are_refused(comparison_project, admin):
    record = comparison_record("c", 3)
    record["responses"][2]["id"] = "r1"
    errors = _errors(comparison_project, admin, record)
    assert errors == [
        (1, "responses[2].id", "duplicate response id 'r1': responses[0] has the same id")
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r["responses"][1].pop("content"), "responses[1].content"),
        (lambda r: r["responses"][0].update(model=""), "responses[0].model"),
        (lambda r: r["responses"][0].update(id="tie"), "responses[0].id"),
        (lambda r: r["responses"][0].update(colour="red"), "responses[0].colour"),
        (lambda r: r.pop("responses"), "responses"),
        (lambda r: r.update(messages=[]), "messages"),
        (lambda r: r.update(answer="x"), "answer"),
    ],
)
def test_each_bad_field_is_named(comparison_project, admin, change, field):
    record = comparison_record("c")
    change(record)
    errors = _errors(comparison_project, admin, comparison_record("ok"), record)
    assert [(line, f) for line, f, _ in errors] == [(2, field)]


def test_duplicate_sample_ids_are_refused(comparison_project, admin):
    errors = _errors(comparison_project, admin, comparison_record("c"), comparison_record("c"))
    assert errors == [(2, "id", "duplicate id 'c': line 1 has the same id")]


def test_identifier_in_a_response_quarantines_the_sample(comparison_project, admin):
    record = comparison_record("c")
    record["responses"][1]["content"] = "Patient John Smith, MRN 12345678, call 555-867-5309."
    result = samples_import(project=comparison_project, source=[record], actor=admin)
    sample = Sample.objects.get(external_id="c")
    assert result.quarantined == 1 and sample.quarantined
    assert {r["field"] for r in sample.quarantine_reasons} == {"responses[1].content"}


def test_kind_cannot_change_once_samples_exist(comparison_project, admin):
    samples_import(project=comparison_project, source=[comparison_record("c")], actor=admin)
    text = (
        "slug: chest-pain-compare\nname: X\nkind: grading\nrubric: {name: R, criteria: "
        "[{key: ok, label: OK, kind: binary}]}\n"
    )
    with pytest.raises(DomainError):
        project_load(data=text, actor=admin)
