"""The sample browser's reads and actions: who sees which samples, blindness, and the rules of
requeue and gold."""

from __future__ import annotations

import pytest
from django.test import Client

from console.samples import SampleFilters, sample_history, samples_page
from core.errors import Conflict, DomainError
from core.models import AuditEvent
from curation.models import Sample
from curation.reviewing.sample_actions import sample_gold_set, sample_requeue
from tests.curation.agreement.conftest import record_review
from tests.factories import CohortFactory, ProjectFactory, SampleFactory, UserFactory

FINAL = {"accurate": True, "completeness": 4, "urgency": "emergent", "advises_er": True}


def ids(user, **filters) -> set[str]:
    return {s.external_id for s in samples_page(user, SampleFilters(**filters)).rows}


@pytest.fixture
def two_projects(db, project):
    elsewhere = ProjectFactory(slug="headache", cohorts=[CohortFactory()])
    SampleFactory(project=project, external_id="cp-1")
    SampleFactory(project=elsewhere, external_id="hd-1")
    return project, elsewhere


def test_each_role_browses_only_its_projects(two_projects, project_admin, lead, cardiologist):
    staff = UserFactory(username="root@rounds.test", is_staff=True)
    assert ids(staff) == {"cp-1", "hd-1"}
    assert ids(project_admin) == {"cp-1"}
    assert ids(lead.user) == {"cp-1"}
    assert ids(cardiologist.user) == set()
    client = Client()
    client.force_login(project_admin)
    other = Sample.objects.get(external_id="hd-1")
    assert client.get(f"/console/samples/{other.pk}/").status_code == 404
    assert client.get("/console/samples/999999/").status_code == 404
    client.force_login(cardiologist.user)
    assert client.get("/console/samples/").status_code == 403


def test_filters_combine_and_an_unknown_value_matches_nothing(db, project, project_admin):
    SampleFactory(project=project, external_id="q-1", quarantined=True)
    SampleFactory(project=project, external_id="a-1", status="adjudication")
    SampleFactory(
        project=project,
        external_id="s-1",
        status="settled",
        final_verdict="reject",
        final_grades=FINAL,
        final_source="adjudication",
    )
    assert ids(project_admin, quarantined="yes") == {"q-1"}
    assert ids(project_admin, disagreement="yes") == {"a-1", "s-1"}
    assert ids(project_admin, disagreement="yes", verdict="reject") == {"s-1"}
    assert ids(project_admin, quarantined="maybe") == set()
    assert ids(project_admin, q="s-") == {"s-1"}
    SampleFactory(
        project=project,
        external_id="w-1",
        messages=[{"role": "user", "content": "Sudden thunderclap headache at the gym."}],
    )
    assert ids(project_admin, q="thunderclap headache") == {"w-1"}


def test_reviews_stay_blind_until_adjudication_and_to_a_lease_holder(
    db, project, project_admin, cardiologist
):
    sample = SampleFactory(project=project)
    record_review(sample, cardiologist, FINAL, "accept")
    history = sample_history(project_admin, sample)
    assert not history["unblinded"] and history["reviews"] == [] and history["review_count"] == 1
    Sample.objects.filter(pk=sample.pk).update(status="settled")
    sample.refresh_from_db()
    assert [r.verdict for r in sample_history(project_admin, sample)["reviews"]] == ["accept"]


def test_requeue_only_an_open_sample_and_with_a_note(db, project, project_admin):
    settled = SampleFactory(project=project, status="settled", final_grades=FINAL)
    with pytest.raises(DomainError):
        sample_requeue(sample=settled, actor=project_admin, note="")
    with pytest.raises(Conflict):
        sample_requeue(sample=settled, actor=project_admin, note="gone")


def test_only_a_settled_sample_becomes_gold_with_its_final_grades(db, project, project_admin):
    open_sample = SampleFactory(project=project)
    with pytest.raises(Conflict):
        sample_gold_set(sample=open_sample, actor=project_admin, gold=True, note="x")
    settled = SampleFactory(project=project, status="settled", final_grades=FINAL)
    gold = sample_gold_set(sample=settled, actor=project_admin, gold=True, note="reference")
    assert gold.is_gold and gold.gold_grades == FINAL
    again = sample_gold_set(sample=settled, actor=project_admin, gold=True, note="reference")
    assert again.is_gold
    assert AuditEvent.objects.filter(action="sample.gold").count() == 1
    plain = sample_gold_set(sample=settled, actor=project_admin, gold=False, note="retired")
    assert not plain.is_gold and plain.gold_grades is None


def test_a_lead_reads_but_cannot_act(db, project, lead):
    sample = SampleFactory(project=project)
    client = Client()
    client.force_login(lead.user)
    assert client.get(f"/console/samples/{sample.pk}/").status_code == 200
    response = client.post(f"/console/samples/{sample.pk}/requeue/", {"note": "x"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="sample.requeue").exists()
