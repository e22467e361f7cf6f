"""Each sample format comes in through the one import service."""

from __future__ import annotations

import csv
import io
import json

import pytest

from core.models import AuditEvent
from curation.intake.services import samples_import
from curation.models import Sample

pytestmark = pytest.mark.django_db

NATIVE = {
    "id": "s-001",
    "messages": [
        {"role": "system", "content": "You are a careful clinician."},
        {"role": "user", "content": "I have crushing chest pain spreading to my left arm."},
    ],
    "reasoning": "Red flags for acute coronary syndrome.",
    "answer": "Call emergency services now; chew aspirin unless allergic.",
    "specialty": "cardiology",
    "metadata": {"source": "triage-set", "difficulty": 3},
    "images": ["ecg/s-001.png"],
    "model": "rx-7b",
}


def jsonl(*records: dict) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def run(project, admin, data, name, **kwargs):
    return samples_import(
        project=project, source=io.BytesIO(data), filename=name, actor=admin, **kwargs
    )


def test_native_jsonl_creates_samples_with_every_field(project, admin):
    second = {**NATIVE, "id": "s-002", "specialty": "Neurology", "images": []}
    result = run(project, admin, jsonl(NATIVE, second), "batch.jsonl")
    assert (result.created, result.format, result.file) == (2, "jsonl", "batch.jsonl")
    sample = Sample.objects.get(project=project, external_id="s-001")
    assert sample.messages == NATIVE["messages"]
    assert sample.reasoning == NATIVE["reasoning"]
    assert sample.answer == NATIVE["answer"]
    assert sample.specialty.code == "cardiology"
    assert sample.images == ["ecg/s-001.png"]
    # Extra top-level fields are kept in metadata.
    assert sample.metadata == {"source": "triage-set", "difficulty": 3, "model": "rx-7b"}
    assert sample.slots_open == project.overlap == 3
    assert sample.status == Sample.Status.OPEN
    assert len(sample.content_hash) == 64
    assert not sample.quarantined and not sample.is_gold
    assert Sample.objects.get(external_id="s-002").specialty.code == "neurology"


def test_json_array_is_detected_and_imported(project, admin):
    data = json.dumps([NATIVE, {**NATIVE, "id": "s-002"}], indent=2).encode()
    result = run(project, admin, data, "batch.json")
    assert (result.created, result.format) == (2, "json")


def test_csv_maps_columns_and_keeps_extra_columns_in_metadata(project, admin):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "prompt", "reasoning", "answer", "specialty", "source"])
    writer.writerow(
        ["c-1", "Is 140/90 high?", "Stage 2 by ACC/AHA.", "Yes, recheck.", "cardiology", "clinic"]
    )
    writer.writerow(["c-2", "Headache, line\nbreak", "", "See a doctor.", "", ""])
    result = run(project, admin, out.getvalue().encode(), "batch.csv")
    assert (result.created, result.format) == (2, "csv")
    one = Sample.objects.get(external_id="c-1")
    assert one.messages == [{"role": "user", "content": "Is 140/90 high?"}]
    assert one.metadata == {"source": "clinic"}
    two = Sample.objects.get(external_id="c-2")
    assert two.messages[0]["content"] == "Headache, line\nbreak"
    assert two.specialty is None and two.reasoning == ""


def test_label_studio_export_maps_data_fields(project, admin):
    export = [
        {
            "id": 101,
            "data": {
                "id": "ls-1",
                "question": "Can I take ibuprofen with warfarin?",
                "reasoning": "NSAIDs raise bleeding risk with warfarin.",
                "answer": "Avoid it; use paracetamol and ask your anticoagulation clinic.",
                "specialty": "hematology",
                "batch": "b7",
            },
            "annotations": [],
        },
        {"id": 102, "data": {"prompt": "Fever in a 3-month-old?", "answer": "Go to the ED."}},
    ]
    result = run(project, admin, json.dumps(export).encode(), "export.json", fmt="labelstudio")
    assert (result.created, result.format) == (2, "labelstudio")
    first = Sample.objects.get(external_id="ls-1")
    assert first.messages == [{"role": "user", "content": "Can I take ibuprofen with warfarin?"}]
    assert first.specialty.code == "hematology"
    assert first.metadata == {"batch": "b7", "label_studio_task_id": 101}
    # Without data.id the Label Studio task id names the sample.
    assert Sample.objects.get(external_id="102").answer == "Go to the ED."


def test_label_studio_export_is_detected_without_naming_it(project, admin):
    export = [{"id": 7, "data": {"prompt": "Q?", "answer": "A."}}]
    assert run(project, admin, json.dumps(export).encode(), "export.json").created == 1


def test_chat_jsonl_last_assistant_turn_is_the_answer_and_id_comes_from_the_hash(project, admin):
    chat = {
        "messages": [
            {"role": "user", "content": "What is a normal resting heart rate?"},
            {"role": "assistant", "content": "60 to 100 beats a minute for most adults."},
        ]
    }
    result = run(project, admin, jsonl(chat, {**chat, "id": "named"}), "ft.jsonl", fmt="chat")
    assert result.created == 2
    derived = Sample.objects.exclude(external_id="named").get()
    assert derived.external_id == f"sha256-{derived.content_hash[:20]}"
    assert derived.answer == "60 to 100 beats a minute for most adults."
    assert derived.messages == chat["messages"][:1]
    # The same content imported again is recognised by its derived id.
    again = run(project, admin, jsonl(chat), "ft.jsonl", fmt="chat")
    assert (again.created, again.unchanged) == (0, 1)


def test_gold_reference_grades_are_validated_and_stored(project, admin):
    gold = {"accurate": True, "completeness": 4, "urgency": "emergent", "advises_er": None}
    run(project, admin, jsonl({**NATIVE, "gold": gold}), "gold.jsonl")
    sample = Sample.objects.get(external_id="s-001")
    assert sample.is_gold
    assert sample.gold_grades == gold


def test_each_import_writes_one_audit_event_with_counts(project, admin):
    run(project, admin, jsonl(NATIVE), "one.jsonl")
    event = AuditEvent.objects.get(action="samples.import")
    assert event.actor == admin
    assert event.object_id == str(project.pk)
    assert event.after["created"] == 1 and event.after["file"] == "one.jsonl"


def test_import_from_a_path_and_from_a_list(project, admin, tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_bytes(jsonl(NATIVE))
    assert samples_import(project=project, source=str(path), actor=admin).created == 1
    result = samples_import(project=project, source=[{**NATIVE, "id": "s-9"}], actor=admin)
    assert (result.created, result.file) == (1, "request body")
