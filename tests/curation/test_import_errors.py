"""Bad input is reported exactly (file, line, field) and nothing at all is written."""

from __future__ import annotations

import io
import json

import pytest

from core.errors import DomainError
from core.models import AuditEvent
from curation.intake.services import samples_import
from curation.models import Sample

pytestmark = pytest.mark.django_db


def good(i: int, **over) -> dict:
    return {
        "id": f"s-{i:03d}",
        "messages": [{"role": "user", "content": f"Question {i} about palpitations?"}],
        "answer": "Usually benign; see a doctor if you faint.",
        "specialty": "cardiology",
        **over,
    }


def errors_of(project, admin, data: bytes, name: str = "bad.jsonl", **kwargs) -> list[str]:
    with pytest.raises(DomainError) as caught:
        samples_import(
            project=project, source=io.BytesIO(data), filename=name, actor=admin, **kwargs
        )
    assert Sample.objects.count() == 0, "an invalid file must write nothing"
    assert not AuditEvent.objects.filter(action="samples.import").exists()
    return [str(d) for d in caught.value.details]


def lines(*items) -> bytes:
    return b"".join((i if isinstance(i, bytes) else json.dumps(i).encode()) + b"\n" for i in items)


def test_broken_json_names_the_line(project, admin):
    errors = errors_of(project, admin, lines(good(1), b'{"id": "s-002", "messages": [', good(3)))
    assert len(errors) == 1
    assert errors[0].startswith("bad.jsonl:2: is not valid JSON: ")


def test_missing_required_fields(project, admin):
    errors = errors_of(
        project,
        admin,
        lines(
            good(1), {"id": "s-2", "answer": "x"}, {"id": "s-3", "messages": good(3)["messages"]}
        ),
    )
    assert errors == [
        "bad.jsonl:2 messages: is required",
        "bad.jsonl:3 answer: is required",
    ]


def test_wrong_types_say_what_was_expected(project, admin):
    errors = errors_of(
        project,
        admin,
        lines(
            good(1, id=["x"]),
            good(2, messages="hello"),
            good(3, messages=[{"role": "bot", "content": 5}]),
            good(4, reasoning=7, metadata=[1], images="a.png"),
            "just a string",
        ),
    )
    assert errors == [
        "bad.jsonl:1 id: must be a non-empty string, got a list",
        "bad.jsonl:2 messages: must be a non-empty list of messages, got a string",
        "bad.jsonl:3 messages[0].role: must be one of system, user, assistant, got 'bot'",
        "bad.jsonl:3 messages[0].content: must be a string, got int",
        "bad.jsonl:4 reasoning: must be a string, got int",
        "bad.jsonl:4 metadata: must be an object, got a list",
        "bad.jsonl:4 images: must be a list of strings (URLs or paths), got a string",
        "bad.jsonl:5: must be a JSON object, got str",
    ]


def test_duplicate_id_inside_one_file(project, admin):
    errors = errors_of(project, admin, lines(good(1), good(2), good(1)))
    assert errors == ["bad.jsonl:3 id: duplicate id 's-001': line 1 has the same id"]


def test_unknown_specialty(project, admin):
    errors = errors_of(project, admin, lines(good(1, specialty="cardio")))
    assert errors == [
        "bad.jsonl:1 specialty: unknown specialty 'cardio': use a code or name from the "
        "specialty list (e.g. cardiology), or ask an admin to add it"
    ]


def test_ten_megabyte_field_names_field_line_and_limit(project, admin, settings):
    settings.IMPORT_MAX_FIELD_BYTES = 1024 * 1024
    huge = "x" * (10 * 1024 * 1024)
    errors = errors_of(project, admin, lines(good(1), good(2, reasoning=huge)))
    assert errors == [
        "bad.jsonl:2 reasoning: is 10 MiB; the largest allowed is 1 MiB (IMPORT_MAX_FIELD_BYTES)"
    ]


def test_invalid_gold_grades_are_reported_per_criterion(project, admin):
    errors = errors_of(project, admin, lines(good(1, gold={"accurate": "maybe"})))
    assert "bad.jsonl:1 gold.accurate: must be true or false (met / not met), got 'maybe'" in errors
    assert "bad.jsonl:1 gold.completeness: is missing: every criterion must be graded" in errors


def test_nul_characters_are_refused(project, admin):
    errors = errors_of(project, admin, lines(good(1, answer="a\u0000b")))
    assert errors == [
        "bad.jsonl:1 answer: contains a NUL character (\\u0000), which cannot be stored"
    ]


def test_at_most_fifty_errors_are_listed(project, admin):
    data = lines(*[good(i, answer="") for i in range(80)])
    with pytest.raises(DomainError) as caught:
        samples_import(project=project, source=io.BytesIO(data), filename="bad.jsonl", actor=admin)
    assert len(caught.value.details) == 50
    assert caught.value.message == (
        "50 errors or more (listing stops at 50); nothing was imported."
    )


def test_errors_after_many_written_batches_still_roll_everything_back(project, admin, settings):
    settings.IMPORT_BATCH_SIZE = 10
    data = lines(*[good(i) for i in range(95)], good(3))
    errors = errors_of(project, admin, data)
    assert errors == ["bad.jsonl:96 id: duplicate id 's-003': line 4 has the same id"]


def test_an_empty_file_is_an_error(project, admin):
    assert errors_of(project, admin, b"\n\n") == ["bad.jsonl: has no samples"]


def test_an_unknown_format_name_is_refused(project, admin):
    assert errors_of(project, admin, lines(good(1)), fmt="xml") == [
        "format: unknown format 'xml': expected one of jsonl, json, csv, labelstudio, chat"
    ]


def test_csv_missing_answer_column_reports_each_row(project, admin):
    data = b"id,prompt\nc-1,Why?\n"
    assert errors_of(project, admin, data, name="bad.csv") == ["bad.csv:2 answer: is required"]
