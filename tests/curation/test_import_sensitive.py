"""The sensitive-data guard: identifiers quarantine a sample; clinical numbers do not."""

from __future__ import annotations

import io
import json

import pytest

from core.errors import DomainError
from core.models import AuditEvent
from curation.intake.sensitive import identifiers_in, redact_text, sample_findings
from curation.intake.services import sample_redact, samples_import
from curation.models import Sample
from curation.reviewing.lifecycle import sample_release


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("You can reach me at jane.doe@example.com tonight.", "email"),
        ("Call me on 555-123-4567 after six.", "phone"),
        ("My number is (415) 555-0199.", "phone"),
        ("From London: +44 20 7946 0958.", "phone"),
        ("cell: 415 555 0199", "phone"),
        ("SSN 123-45-6789 on the form", "national_id"),
        ("her social security number is 123456789", "national_id"),
        ("NHS number 943 476 5919", "national_id"),
        ("MRN: 1234567", "medical_record_number"),
        ("medical record number 00451234", "medical_record_number"),
        ("DOB 03/14/1961", "date_of_birth"),
        ("He was born on March 14, 1961, in Ohio.", "date_of_birth"),
        ("date of birth: 1961-03-14", "date_of_birth"),
        ("She lives at 42 Elm Street with her son.", "street_address"),
        ("Send it to 1600 Pennsylvania Avenue.", "street_address"),
    ],
)
def test_identifiers_are_found(text, kind):
    assert identifiers_in(text) == {kind}


@pytest.mark.parametrize(
    "text",
    [
        "BP 140/90, HR 88, temp 38.2 C, SpO2 94% on room air.",
        "Take 5 mg daily; a 62-year-old man born in 1961.",
        "Troponin 0.04 ng/mL at 10:30, repeat in 3 h; eGFR 45 mL/min/1.73 m2.",
        "Potassium 3.5-5.0 mmol/L; INR 2.0-3.0 (international normalized ratio).",
        "On 2023-01-15 she started metformin 500 mg twice daily.",
        "Symptoms began 03/14/2024 with chest pain.",
        "QTc 480 ms; dose 1,000 mg every 8 h for 7-10 days.",
        "Seen by Dr Smith; 12 Lead ECG normal.",
        "ICD-10 I21.4, CPT 93000, NDC 0378-1805-10.",
        "Follow-up in 2 weeks; weight 82 kg; BMI 27.4; +2 pitting edema.",
        "White cell count 12.5 x10^9/L, telemetry for 24 h.",
        "Newborn at 39 weeks, birth weight 3.2 kg.",
        "The number needed to treat is 25.",
    ],
)
def test_clinical_numbers_are_not_identifiers(text):
    assert identifiers_in(text) == set()


def test_findings_name_kind_and_field_but_not_the_text():
    findings = sample_findings(
        messages=[{"role": "user", "content": "I'm at 42 Elm Street, DOB 03/14/1961."}],
        reasoning="BP 140/90.",
        answer="Email me: doc@example.org",
    )
    assert [f.as_dict() for f in findings] == [
        {"kind": "date_of_birth", "field": "messages[0].content"},
        {"kind": "street_address", "field": "messages[0].content"},
        {"kind": "email", "field": "answer"},
    ]


def test_redact_text_masks_each_identifier():
    text, n = redact_text("Mail jane@example.com or call 555-123-4567; BP 140/90.")
    assert n == 2
    assert text == "Mail [REDACTED] or call [REDACTED]; BP 140/90."


def _import(project, admin, *records):
    data = b"".join(json.dumps(r).encode() + b"\n" for r in records)
    return samples_import(project=project, source=io.BytesIO(data), filename="s.jsonl", actor=admin)


def _sample(i, content):
    return {
        "id": f"s-{i}",
        "messages": [{"role": "user", "content": content}],
        "answer": "See your doctor.",
    }


@pytest.mark.django_db
def test_a_sample_with_identifiers_is_imported_quarantined_with_reasons(project, admin):
    result = _import(
        project,
        admin,
        _sample(1, "My MRN: 7654321, chest pain since Monday."),
        _sample(2, "BP 150/95 this morning, is that bad?"),
    )
    assert (result.created, result.quarantined) == (2, 1)
    flagged = Sample.objects.get(external_id="s-1")
    assert flagged.quarantined
    assert flagged.quarantine_reasons == [
        {"kind": "medical_record_number", "field": "messages[0].content"}
    ]
    assert not Sample.objects.get(external_id="s-2").quarantined
    event = AuditEvent.objects.get(action="samples.import")
    assert event.after["quarantined"] == 1
    assert "7654321" not in json.dumps(event.after)


@pytest.mark.django_db
def test_release_is_audited_needs_a_note_and_is_idempotent(project, admin):
    _import(project, admin, _sample(1, "Write to me at pat@example.com"))
    sample = Sample.objects.get()
    with pytest.raises(DomainError, match="is required"):
        sample_release(sample=sample, actor=admin, note=" ")
    released = sample_release(sample=sample, actor=admin, note="Address is the clinic's.")
    assert not released.quarantined
    event = AuditEvent.objects.get(action="sample.release")
    assert event.actor == admin
    assert event.before["quarantine_reasons"] == [{"kind": "email", "field": "messages[0].content"}]
    assert event.after == {"quarantined": False, "note": "Address is the clinic's."}
    sample_release(sample=released, actor=admin, note="again")
    assert AuditEvent.objects.filter(action="sample.release").count() == 1


@pytest.mark.django_db
def test_redact_with_replacements_releases_a_clean_sample(project, admin):
    _import(project, admin, _sample(1, "I am John Roe, MRN: 7654321, with chest pain."))
    sample = Sample.objects.get()
    old_hash = sample.content_hash
    redacted = sample_redact(
        sample=sample, actor=admin, replacements={"MRN: 7654321": "[MRN]", "John Roe": "[NAME]"}
    )
    assert redacted.messages[0]["content"] == "I am [NAME], [MRN], with chest pain."
    assert not redacted.quarantined and redacted.quarantine_reasons == []
    assert redacted.content_hash != old_hash
    event = AuditEvent.objects.get(action="sample.redact")
    assert event.after["replaced"] == 2
    assert "7654321" not in json.dumps([event.before, event.after])


@pytest.mark.django_db
def test_automatic_redaction_and_unknown_replacement(project, admin):
    _import(project, admin, _sample(1, "Call 555-123-4567 or mail a@b.org"))
    sample = Sample.objects.get()
    with pytest.raises(DomainError, match="replacement #1 was not found"):
        sample_redact(sample=sample, actor=admin, replacements={"not there": "x"})
    redacted = sample_redact(sample=sample, actor=admin)
    assert redacted.messages[0]["content"] == "Call [REDACTED] or mail [REDACTED]"
    assert not redacted.quarantined


@pytest.mark.django_db
def test_admin_actions_release_and_redact(project, admin, client):
    _import(project, admin, _sample(1, "mail a@b.org"), _sample(2, "SSN 123-45-6789"))
    client.force_login(admin)
    one, two = Sample.objects.order_by("external_id")
    response = client.post(
        "/admin/curation/sample/",
        {"action": "release_from_quarantine", "_selected_action": [one.pk]},
        follow=True,
    )
    assert response.status_code == 200
    response = client.post(
        "/admin/curation/sample/",
        {"action": "redact_identifiers", "_selected_action": [two.pk]},
        follow=True,
    )
    assert response.status_code == 200
    one.refresh_from_db()
    two.refresh_from_db()
    assert not one.quarantined and not two.quarantined
    assert two.messages[0]["content"] == "[REDACTED]"  # the keyword goes with the number
    assert AuditEvent.objects.filter(action__in=["sample.release", "sample.redact"]).count() == 2
