"""Re-importing is safe: unchanged samples are counted, changed ones conflict unless updated."""

from __future__ import annotations

import io
import json

import pytest

from core.models import AuditEvent
from curation.intake.services import samples_import
from curation.models import Sample
from tests.factories import SampleFactory

pytestmark = pytest.mark.django_db


def sample(i: int, answer: str = "Rest, fluids, and see a doctor if it lasts.") -> dict:
    return {
        "id": f"s-{i:03d}",
        "messages": [{"role": "user", "content": f"Question {i}: fever for two days?"}],
        "answer": answer,
    }


def run(project, admin, *records, **kwargs):
    data = b"".join(json.dumps(r).encode() + b"\n" for r in records)
    return samples_import(
        project=project, source=io.BytesIO(data), filename="s.jsonl", actor=admin, **kwargs
    )


def test_reimporting_the_same_file_creates_nothing_and_says_unchanged(project, admin):
    first = run(project, admin, sample(1), sample(2), sample(3))
    assert first.summary() == "3 created, 0 updated, 0 unchanged, 0 quarantined"
    again = run(project, admin, sample(1), sample(2), sample(3))
    assert again.summary() == "0 created, 0 updated, 3 unchanged, 0 quarantined"
    assert Sample.objects.count() == 3


def test_a_changed_sample_is_a_conflict_and_is_left_alone(project, admin):
    run(project, admin, sample(1), sample(2))
    before = Sample.objects.get(external_id="s-002")
    result = run(project, admin, sample(1), sample(2, answer="Changed answer."), sample(3))
    assert (result.created, result.unchanged, result.updated) == (1, 1, 0)
    assert result.conflicts == ["s-002"] and result.conflicts_total == 1
    assert "1 conflicts" in result.summary()
    after = Sample.objects.get(external_id="s-002")
    assert after.answer == before.answer and after.content_hash == before.content_hash
    assert not AuditEvent.objects.filter(action="sample.update").exists()


def test_update_replaces_changed_samples_and_audits_each_with_hashes(project, admin):
    run(project, admin, sample(1), sample(2))
    old_hash = Sample.objects.get(external_id="s-002").content_hash
    result = run(project, admin, sample(1), sample(2, answer="Changed answer."), update=True)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    changed = Sample.objects.get(external_id="s-002")
    assert changed.answer == "Changed answer."
    event = AuditEvent.objects.get(action="sample.update")
    assert event.actor == admin
    assert event.object_id == str(changed.pk)
    assert event.before == {"content_hash": old_hash}
    assert event.after["content_hash"] == changed.content_hash != old_hash
    # Running the same update again changes nothing more.
    again = run(project, admin, sample(1), sample(2, answer="Changed answer."), update=True)
    assert (again.updated, again.unchanged) == (0, 2)
    assert AuditEvent.objects.filter(action="sample.update").count() == 1


def test_update_keeps_review_bookkeeping(project, admin):
    existing = SampleFactory(project=project, external_id="s-001", reviews_done=2, slots_open=1)
    run(project, admin, sample(1), update=True)
    existing.refresh_from_db()
    assert (existing.reviews_done, existing.slots_open) == (2, 1)
    assert existing.answer == sample(1)["answer"]


def test_the_same_id_in_another_project_is_a_different_sample(project, admin):
    from tests.factories import ProjectFactory

    other = ProjectFactory(slug="other")
    run(project, admin, sample(1))
    assert run(other, admin, sample(1)).created == 1
