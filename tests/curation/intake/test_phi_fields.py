"""Every field of a sample is screened: message extra keys, metadata, ids and image URLs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from curation.intake.formats import NATIVE_FIELDS
from curation.intake.phi import identifiers_in, sample_findings
from curation.intake.sensitive import redact_text
from curation.intake.services import sample_redact, samples_import
from curation.models import Sample

CLEAN_MESSAGE = {"role": "user", "content": "Chest pain for 2 hours, BP 150/95."}


def _findings(**fields) -> list[dict]:
    fields.setdefault("messages", [CLEAN_MESSAGE])
    fields.setdefault("reasoning", "Possible ACS; HEART score 5.")
    fields.setdefault("answer", "Call emergency services.")
    return [f.as_dict() for f in sample_findings(**fields)]


def test_a_clean_sample_has_no_findings_in_any_field():
    assert (
        _findings(
            metadata={"source": "medqa", "specialty": "cardiology", "year": 2021, "tags": ["acs"]},
            external_id="medqa-case-0042",
            images=["https://storage.example.org/projects/cardio/ecg-0042.png"],
        )
        == []
    )


def test_a_message_name_key_is_screened_with_its_key_as_the_cue():
    messages = [{"role": "user", "name": "Jane Doe", "content": "Chest pain for 2 hours."}]
    assert _findings(messages=messages) == [{"kind": "name", "field": "messages[0].name"}]


def test_a_participant_label_in_the_name_key_is_not_a_name():
    messages = [{"role": "user", "name": "user_1", "content": "Chest pain."}]
    assert _findings(messages=messages) == []


def test_other_message_keys_and_nested_values_are_screened():
    messages = [
        CLEAN_MESSAGE,
        {
            "role": "assistant",
            "content": "ok",
            "tool_calls": [{"args": {"phone": "020 7946 0958"}}],
        },
    ]
    assert _findings(messages=messages) == [
        {"kind": "phone", "field": "messages[1].tool_calls[0].args.phone"}
    ]


def test_nested_metadata_is_screened_and_its_keys_are_cues():
    metadata = {
        "source": "clinic export",
        "patient": {"dob": "1961-03-14", "mrn": 7654321, "contact": ["jane@example.com"]},
    }
    assert _findings(metadata=metadata) == [
        {"kind": "date_of_birth", "field": "metadata.patient.dob"},
        {"kind": "medical_record_number", "field": "metadata.patient.mrn"},
        {"kind": "email", "field": "metadata.patient.contact[0]"},
    ]


def test_a_sample_id_carrying_an_identifier_is_found():
    assert _findings(external_id="jane.doe@example.com") == [{"kind": "email", "field": "id"}]
    assert _findings(external_id="MRN-7654321-visit") == [
        {"kind": "medical_record_number", "field": "id"}
    ]


def test_image_urls_are_read_for_what_their_path_and_query_carry():
    url = "https://cdn.example.org/scans/x.png?patient=John+Smith&dob=1961-03-14"
    assert _findings(images=[url]) == [
        {"kind": "date_of_birth", "field": "images[0]"},
        {"kind": "name", "field": "images[0]"},
    ]
    # the address itself is what an image is; an IP host is a server, not a person
    assert _findings(images=["http://10.0.4.12/ecg/0042.png"]) == []


def test_redaction_keeps_clinical_text_and_counts_what_it_masked():
    text, n = redact_text("DOB 03/14/1961; Wells score 6; call 020 7946 0958; Dr Smith agrees.")
    assert n == 2
    assert text == "DOB [REDACTED]; Wells score 6; call [REDACTED]; Dr Smith agrees."


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I live at 221B Baker Street.", "street_address"),
        ("she lives on oak lane", "street_address"),
        ("MR# 00451234", "medical_record_number"),
        ("ID 536 22 8726", "national_id"),
        ("ring 020 7946 0958", "phone"),
        ("born 14-Mar-1961", "date_of_birth"),
        ("discharged 12 Jan 2024", "personal_date"),
        ("a 93-year-old woman", "age_over_89"),
        ("postcode SW1A 1AA", "postal_code"),
    ],
)
def test_the_phrasings_the_old_screen_missed_are_found(text, kind):
    assert kind in identifiers_in(text)


def _import(project, admin, *records):
    data = b"".join(json.dumps(r).encode() + b"\n" for r in records)
    return samples_import(project=project, source=io.BytesIO(data), filename="s.jsonl", actor=admin)


@pytest.mark.django_db
def test_import_quarantines_identifiers_outside_the_conversation_text(project, admin):
    base = {"messages": [CLEAN_MESSAGE], "answer": "Call emergency services."}
    result = _import(
        project,
        admin,
        {**base, "id": "s-1", "messages": [{**CLEAN_MESSAGE, "name": "Eleanor Whitfield"}]},
        {**base, "id": "s-2", "metadata": {"referrer": {"fax": "+44 20 7946 0999"}}},
        {**base, "id": "s-3", "images": ["https://cdn.example.org/x.png?mrn=7654321"]},
        {**base, "id": "s-4", "patient_email": "pat@example.com"},  # an extra key
        {**base, "id": "s-5", "metadata": {"source": "triage-line", "year": 2024}},
    )
    assert (result.created, result.quarantined) == (5, 4)
    reasons = {s.external_id: s.quarantine_reasons for s in Sample.objects.all()}
    assert reasons == {
        "s-1": [{"kind": "name", "field": "messages[0].name"}],
        "s-2": [{"kind": "fax", "field": "metadata.referrer.fax"}],
        "s-3": [{"kind": "medical_record_number", "field": "images[0]"}],
        "s-4": [{"kind": "email", "field": "metadata.patient_email"}],
        "s-5": [],
    }


@pytest.mark.django_db
def test_redaction_of_the_text_leaves_a_sample_quarantined_for_its_metadata(project, admin):
    _import(
        project,
        admin,
        {
            "id": "s-1",
            "messages": [{"role": "user", "content": "Call me on 020 7946 0958."}],
            "answer": "ok",
            "metadata": {"patient": {"mrn": "7654321"}},
        },
    )
    redacted = sample_redact(sample=Sample.objects.get(), actor=admin)
    assert redacted.messages[0]["content"] == "Call me on [REDACTED]."
    assert redacted.quarantined
    assert redacted.quarantine_reasons == [
        {"kind": "medical_record_number", "field": "metadata.patient.mrn"}
    ]


def test_no_nesting_depth_hides_an_identifier_from_the_screen():
    deep: dict = {"phone": "020 7946 0958"}
    for _ in range(2000):
        deep = {"next": deep}
    [finding] = _findings(metadata={"chain": deep})
    assert finding["kind"] == "phone"
    assert finding["field"].startswith("metadata.chain.next.next.")


def test_the_demo_samples_are_flagged_exactly_where_identifiers_were_planted():
    """164 realistic samples across 12 specialties, prose dense with doses, eponyms and scores,
    and metadata describing each planted clinical error in the same kind of prose."""
    demo = Path(__file__).resolve().parents[3] / "demo" / "samples.jsonl"
    flagged, planted = set(), set()
    with open(demo, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            extras = {k: v for k, v in record.items() if k not in NATIVE_FIELDS}
            findings = sample_findings(
                messages=record["messages"],
                reasoning=record.get("reasoning", ""),
                answer=record["answer"],
                metadata={**extras, **record.get("metadata", {})},
                external_id=record["id"],
                images=record.get("images", []),
            )
            if findings:
                flagged.add(record["id"])
            if "identifier" in str(record.get("metadata", {}).get("planted_issue")):
                planted.add(record["id"])
    assert planted == {"demo-endo-011", "demo-psych-010", "demo-fm-005"}
    assert flagged == planted
