"""An admin and a lead find samples in the console's sample browser, open them and act on them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEvent
from curation.models import Assignment, Sample
from tests.browser.test_review_keyboard import sign_in
from tests.curation.agreement.conftest import record_review
from tests.factories import CohortFactory, ProjectFactory, SampleFactory, UserFactory

pytestmark = pytest.mark.browser

FINAL = {"accurate": True, "completeness": 4, "urgency": "emergent", "advises_er": True}
LEAKY = "Patient Jane Roe, MRN 00424242, has chest pain: what now?"


def go(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def listed(page) -> list[str]:
    return page.eval_on_selector_all(
        "main table tbody tr[data-sample] td:first-child", "(tds) => tds.map((td) => td.innerText)"
    )


@pytest.fixture
def world(committed, cohort, project, cardiologist, second_cardiologist):
    other = ProjectFactory(slug="headache", name="Headache", cohorts=[CohortFactory()])
    SampleFactory(project=other, external_id="hd-0001")
    SampleFactory.create_batch(110, project=project)
    settled = SampleFactory(
        project=project,
        external_id="cp-settled",
        status=Sample.Status.SETTLED,
        final_grades=FINAL,
        final_verdict="accept",
        final_source="consensus",
        settled_at=timezone.now(),
    )
    record_review(settled, cardiologist, FINAL, "accept")
    Sample.objects.filter(pk=settled.pk).update(status=Sample.Status.SETTLED)
    held = SampleFactory(project=project, external_id="cp-held")
    record_review(held, second_cardiologist, FINAL, "reject")
    Assignment.objects.create(
        project=project,
        sample=held,
        reviewer=cardiologist.user,
        served_at=timezone.now(),
        expires_at=timezone.now() + timedelta(hours=1),
    )
    Sample.objects.filter(pk=held.pk).update(slots_open=1)
    leaky = SampleFactory(
        project=project,
        external_id="cp-leaky",
        messages=[{"role": "user", "content": LEAKY}],
        quarantined=True,
        quarantine_reasons=[{"kind": "mrn", "field": "messages[0].content"}],
    )
    return {"project": project, "settled": settled, "held": held, "leaky": leaky}


def test_admin_searches_filters_pages_and_acts_on_samples(page, world):
    admin = UserFactory(username="ada@rounds.test", is_staff=True)
    sign_in(page, admin)
    go(page, page.get_by_role("link", name="Console"))
    go(page, page.get_by_role("navigation", name="Console").get_by_role("link", name="Samples"))
    assert page.get_by_test_id("sample-total").inner_text() == "114 samples"

    # Keyset pages: newest first, Older and Newer walk them without repeating a row.
    first = listed(page)
    assert len(first) == 50 and first[0] == "cp-leaky"
    go(page, page.get_by_role("link", name="Older"))
    second = listed(page)
    go(page, page.get_by_role("link", name="Older"))
    third = listed(page)
    assert len(second) == 50 and len(third) == 14
    assert not set(first) & set(second) and not set(second) & set(third)
    assert "hd-0001" in third
    go(page, page.get_by_role("link", name="Newer"))
    assert listed(page) == second

    # Search by external id prefix, then by words of the question.
    search = page.get_by_label("Search (external id or question)")
    search.fill("")
    search.type("cp-")
    with page.expect_navigation():
        search.press("Enter")
    assert sorted(listed(page)) == ["cp-held", "cp-leaky", "cp-settled"]
    search.fill("")
    search.type("MRN Jane")
    with page.expect_navigation():
        search.press("Enter")
    assert listed(page) == ["cp-leaky"]

    # Filter: quarantined only; open it, redact the name and release it.
    search.fill("")
    page.get_by_label("Quarantined").select_option("yes")
    go(page, page.get_by_role("button", name="Filter"))
    assert listed(page) == ["cp-leaky"]
    go(page, page.get_by_role("link", name="cp-leaky"))
    page.get_by_label("Text to replace (empty: everything detected)").type("Jane Roe")
    go(page, page.get_by_role("button", name="Redact"))
    leaky = Sample.objects.get(pk=world["leaky"].pk)
    assert "Jane Roe" not in leaky.messages[0]["content"]
    if leaky.quarantined:
        page.get_by_label("Why it is safe to release").type("MRN is a test number")
        go(page, page.get_by_role("button", name="Release from quarantine"))
        assert not Sample.objects.get(pk=leaky.pk).quarantined
    assert AuditEvent.objects.filter(action="sample.redact", object_id=str(leaky.pk)).exists()

    # A settled sample: reviews shown (unblinded), and it becomes a gold item.
    page.goto("/console/samples/?q=cp-settled")
    go(page, page.get_by_role("link", name="cp-settled"))
    assert "accept" in page.get_by_test_id("reviews").inner_text().lower()
    page.get_by_label("Why (gold)").type("Clear-cut reference case")
    go(page, page.get_by_role("button", name="Mark as gold"))
    settled = Sample.objects.get(pk=world["settled"].pk)
    assert settled.is_gold and settled.gold_grades == FINAL
    page.goto("/console/samples/?gold=yes")
    assert listed(page) == ["cp-settled"]

    # An open sample: its review stays blind; requeue ends the live lease and returns its place.
    page.goto("/console/samples/?q=cp-held")
    go(page, page.get_by_role("link", name="cp-held"))
    assert "1 review;" in page.get_by_test_id("reviews-hidden").inner_text()
    assert page.get_by_test_id("reviews").count() == 0
    page.get_by_label("Why it goes back to the queue").type("Reviewer on leave")
    go(page, page.get_by_role("button", name="Requeue"))
    held = Sample.objects.get(pk=world["held"].pk)
    assert held.slots_open == 2
    assert not Assignment.objects.filter(sample=held, status=Assignment.Status.LEASED).exists()
    assert AuditEvent.objects.filter(action="sample.requeue", object_id=str(held.pk)).exists()


def test_a_lead_browses_only_the_projects_they_lead_and_cannot_act(page, world, lead):
    sign_in(page, lead.user)
    go(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Samples"))
    page.get_by_label("Search (external id or question)").type("hd-")
    go(page, page.get_by_role("button", name="Filter"))
    assert listed(page) == []
    page.goto("/console/samples/?q=cp-held")
    go(page, page.get_by_role("link", name="cp-held"))
    assert page.get_by_role("heading", name="Actions").count() == 0
    assert page.get_by_test_id("reviews-hidden").is_visible()
    other = Sample.objects.get(external_id="hd-0001")
    assert page.goto(f"/console/samples/{other.pk}/").status == 404
    response = page.request.post(f"/console/samples/{world['held'].pk}/requeue/")
    assert response.status == 403
    assert Assignment.objects.filter(sample=world["held"], status="leased").exists()
