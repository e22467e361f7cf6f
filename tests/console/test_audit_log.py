"""The audit log reads like a log: a sentence per event, changes in words, friendly filters."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotators.services import physician_daily_cap_set, physician_verify
from console.audit_log import friendly, log_lines
from core.audit import audit_record
from core.models import AuditEvent
from tests.console.conftest import review
from tests.factories import PhysicianFactory, SampleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(db):
    return UserFactory(
        username="ada@rounds.test", first_name="Ada", last_name="Admin", is_staff=True
    )


@pytest.fixture
def okafor(db):
    return PhysicianFactory(
        user__username="okafor@clinic.test",
        user__first_name="Dr",
        user__last_name="Okafor",
        verification="unverified",
        licence_number="",
    )


def test_a_verification_reads_as_a_sentence_with_its_changes_in_words(ada, okafor):
    physician_verify(
        physician=okafor, actor=ada, note="Board lookup", licence_number="CA-1", jurisdiction="CA"
    )
    (line,) = log_lines(AuditEvent.objects.filter(action="physician.verified"))
    assert line.sentence == "Ada Admin verified Dr Okafor's licence."
    changes = {c.name: (c.before, c.after) for c in line.changes}
    assert changes["Verification"] == ("unverified", "verified")
    assert changes["Licence number"] == ("—", "CA-1")
    assert changes["Note"] == (None, "Board lookup")


def test_values_never_show_python_literals():
    assert friendly(True) == "yes"
    assert friendly(False) == "no"
    assert friendly(None) == "—"
    assert friendly([]) == "—"
    assert friendly({"gold": True, "cap": None}) == "Gold: yes; Cap: —"
    assert friendly("2026-03-10T12:00:00+00:00").endswith("2026, 12:00")


def test_automatic_events_are_signed_by_rounds(db):
    audit_record(actor=None, action="export.build", object_repr="chest-pain v3 sft.jsonl")
    (line,) = log_lines(AuditEvent.objects.all())
    assert line.sentence == "Rounds (automatic) built the export chest-pain v3 sft.jsonl."


def test_an_unknown_action_still_reads_as_a_sentence(ada):
    audit_record(actor=ada, action="widget.polished", object_repr="the widget")
    (line,) = log_lines(AuditEvent.objects.all())
    assert line.sentence == "Ada Admin widget polished: the widget."


def test_admin_filters_by_name_friendly_action_and_type_and_pages(
    client, ada, okafor, cardiologist, second_cardiologist, project
):
    SampleFactory.create_batch(2, project=project)
    review(cardiologist, project)
    review(second_cardiologist, project)
    physician_daily_cap_set(physician=okafor, daily_cap=3, actor=ada)
    for n in range(30):
        audit_record(actor=ada, action="cohort.renamed", object_repr=f"Panel {n}")
    client.force_login(ada)
    url = reverse("console-audit")

    def lines(**params):
        return client.get(url, params).context["events"]

    assert {e.action for e in lines(actor="Alice")} == {"assignment.lease", "review.submit"}
    assert [e.action for e in lines(actor="ada admin", type="annotators.physician")] == [
        "physician.daily_cap_set"
    ]
    assert [e.sentence for e in lines(action="physician.daily_cap_set")] == [
        "Ada Admin set Dr Okafor's daily cap."
    ]
    page = client.get(url, {"action": "cohort."})
    assert page.context["page"].paginator.count == 30
    assert len(page.context["events"]) == 25
    body = page.content.decode()
    assert "Any: cohorts" in body and "Personal API token created" in body
    assert "True" not in body and "False" not in body
    second = client.get(url, {"action": "cohort.", "page": 2})
    assert len(second.context["events"]) == 5


def test_physician_reads_their_own_activity_as_sentences(client, admin, cardiologist):
    physician_daily_cap_set(physician=cardiologist, daily_cap=3, actor=admin)
    client.force_login(cardiologist.user)
    body = client.get(reverse("my-activity")).content.decode()
    assert f"set {cardiologist}&#x27;s daily cap." in body
    assert "<code>physician.daily_cap_set</code>" not in body
