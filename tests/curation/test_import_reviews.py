"""`import_reviews`: historical reviews, validated like any review, all or nothing, idempotent."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from core.errors import DomainError
from core.models import AuditEvent
from curation.intake.review_import import reviews_import
from curation.models import Assignment, Review, ReviewRevision, Sample
from curation.reviewing.assignment import assignment_next
from tests.curation.workflow_helpers import grades
from tests.factories import PhysicianFactory, SampleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(project, cardiologist, second_cardiologist):
    SampleFactory(project=project, external_id="s-001")
    SampleFactory(project=project, external_id="s-002")
    return project


def line(**kwargs) -> dict:
    record = {
        "sample_id": "s-001",
        "physician": "alice@rounds.test",
        "grades": grades(),
        "verdict": "accept",
        "submitted_at": "2025-03-01T10:00:00Z",
    }
    record.update(kwargs)
    return {k: v for k, v in record.items() if v is not ...}


def write(tmp_path, records, name="reviews.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    return path


def test_the_command_imports_reviews_and_reports_counts(lab, tmp_path, capsys):
    path = write(
        tmp_path,
        [
            line(),
            line(
                sample_id="s-002",
                physician="BOB@rounds.test",
                verdict="revise",
                correction="Call 911.",
                rationale="Too slow.",
            ),
            line(physician="bob@rounds.test", verdict="reject", rationale="Unsafe."),
        ],
    )
    call_command("import_reviews", str(path), "--project", lab.slug)
    assert "3 reviews for chest-pain: 3 created, 0 amended, 0 unchanged." in capsys.readouterr().out
    revised = Review.objects.get(sample__external_id="s-002")
    assert revised.corrected_answer == "Call 911."
    assert revised.original_answer == revised.sample.answer
    assert revised.source == Review.Source.IMPORT
    assert revised.submitted_at.isoformat() == "2025-03-01T10:00:00+00:00"
    assert ReviewRevision.objects.count() == 3
    first = Sample.objects.get(external_id="s-001")
    assert (first.reviews_done, first.slots_open) == (2, 1)
    assert AuditEvent.objects.filter(action="reviews.import").count() == 1


def test_reimporting_the_same_file_changes_nothing(lab, tmp_path, capsys):
    path = write(tmp_path, [line(), line(sample_id="s-002")])
    call_command("import_reviews", str(path), "--project", lab.slug)
    call_command("import_reviews", str(path), "--project", lab.slug)
    assert "0 created, 0 amended, 2 unchanged" in capsys.readouterr().out
    assert Review.objects.count() == 2
    assert Sample.objects.get(external_id="s-001").reviews_done == 1


def test_a_changed_review_becomes_a_new_revision(lab, tmp_path):
    reviews_import(project=lab, source=write(tmp_path, [line()]), actor=None)
    changed = write(tmp_path, [line(grades=grades(completeness=2))], name="again.jsonl")
    result = reviews_import(project=lab, source=changed, actor=None)
    assert (result.created, result.amended) == (0, 1)
    review = Review.objects.get()
    assert review.revision == 2 and review.grades["completeness"] == 2


def test_every_bad_record_is_named_by_line_and_field_and_nothing_is_written(lab, tmp_path):
    path = write(
        tmp_path,
        [
            line(),
            "{broken json",
            line(sample_id="s-404"),
            line(physician="nobody@rounds.test", sample_id="s-002"),
            line(grades=grades(completeness=11), physician="bob@rounds.test"),
            line(verdict="revise", sample_id="s-002"),
            line(),
            line(submitted_at="yesterday", sample_id="s-002", physician="bob@rounds.test"),
            line(verdict=..., colour="blue", sample_id="s-002", physician="lena@rounds.test"),
        ],
    )
    with pytest.raises(DomainError) as err:
        reviews_import(project=lab, source=path, actor=None, filename="reviews.jsonl")
    found = {(d.line, d.field): d.message for d in err.value.details}
    assert found[(2, None)].startswith("is not valid JSON")
    assert found[(3, "sample_id")] == "no sample 's-404' in project chest-pain"
    assert found[(4, "physician")] == "no physician with e-mail 'nobody@rounds.test'"
    assert found[(5, "grades.completeness")] == "must be from 1 to 5, got 11"
    assert found[(6, "corrected_answer")] == "is required when the verdict is revise"
    assert found[(6, "rationale")] == "is required when the verdict is revise"
    assert found[(7, "sample_id")] == "duplicates line 1: one review per physician and sample"
    assert found[(8, "submitted_at")].startswith("must be an ISO 8601 date and time")
    assert found[(9, "verdict")] == "is required"
    assert found[(9, "colour")].startswith("is not a field of a review record")
    assert all(d.file == "reviews.jsonl" for d in err.value.details)
    assert not Review.objects.exists()
    assert Sample.objects.get(external_id="s-001").reviews_done == 0


def test_the_command_exits_with_status_1_and_lists_errors(lab, tmp_path, capsys):
    path = write(tmp_path, [line(sample_id="s-404")])
    with pytest.raises(CommandError):
        call_command("import_reviews", str(path), "--project", lab.slug)
    assert "no sample 's-404'" in capsys.readouterr().err


def test_a_model_graders_reviews_do_not_take_places(lab, tmp_path):
    PhysicianFactory(user__username="judge@rounds.test", is_model=True)
    reviews_import(
        project=lab,
        source=write(tmp_path, [line(physician="judge@rounds.test")]),
        actor=None,
    )
    review = Review.objects.get()
    assert review.is_model
    sample = Sample.objects.get(external_id="s-001")
    assert (sample.reviews_done, sample.slots_open) == (0, 3)


def test_an_imported_review_completes_a_held_lease_instead_of_taking_a_second_place(
    lab, cardiologist, tmp_path
):
    lease = assignment_next(user=cardiologist.user, project=lab).assignment
    external_id = lease.sample.external_id
    reviews_import(project=lab, source=write(tmp_path, [line(sample_id=external_id)]), actor=None)
    lease.refresh_from_db()
    assert lease.status == Assignment.Status.SUBMITTED
    sample = Sample.objects.get(pk=lease.sample_id)
    assert (sample.reviews_done, sample.slots_open) == (1, 2)


def test_a_changed_review_of_a_sample_that_left_open_is_refused(lab, tmp_path):
    """Imports (and Label Studio) are held to the same freeze as a reviewer's own amendment."""
    reviews_import(project=lab, source=write(tmp_path, [line()]), actor=None)
    Sample.objects.filter(external_id="s-001").update(status=Sample.Status.ADJUDICATION)
    changed = write(tmp_path, [line(grades=grades(completeness=2))], name="again.jsonl")
    with pytest.raises(DomainError) as err:
        reviews_import(project=lab, source=changed, actor=None)
    assert err.value.details[0].code == "reviews_frozen"
    assert "can no longer be amended" in str(err.value.details[0])
    assert Review.objects.get().revision == 1


def test_a_review_record_nested_deep_or_with_a_nul_is_named_not_a_500(lab, tmp_path):
    deep: dict = {"x": 1}
    for _ in range(900):
        deep = {"k": deep}
    path = write(
        tmp_path,
        [line(rationale="chest\u0000pain", verdict="reject"), line(sample_id="s-002", extra=deep)],
    )
    with pytest.raises(DomainError) as err:
        reviews_import(project=lab, source=path, actor=None, filename="reviews.jsonl")
    found = {(d.line, d.field): d.message for d in err.value.details}
    assert "NUL" in found[(1, "rationale")]
    assert any(line == 2 and "nested more than" in message for (line, _), message in found.items())
    assert not Review.objects.exists()
