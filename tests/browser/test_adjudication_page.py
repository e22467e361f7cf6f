"""A lead decides a disputed sample in Chromium; an admin reads the same queue."""

from __future__ import annotations

import pytest

from curation.agreement.services import agreement_compute
from curation.models import Adjudication, Sample
from tests.browser.test_review_keyboard import sign_in
from tests.curation.agreement.conftest import record_review
from tests.factories import PhysicianFactory, SampleFactory, UserFactory, join

pytestmark = pytest.mark.browser

BASE = {"accurate": True, "completeness": 4, "advises_er": None}


@pytest.fixture
def disputed(committed, cohort, project, cardiologist, second_cardiologist):
    third = PhysicianFactory(user__username="carl@rounds.test", specialties=["cardiology"])
    join(cohort, third)
    sample = SampleFactory(project=project, external_id="cp-0042", answer="Rest at home.")
    record_review(sample, cardiologist, dict(BASE, urgency="emergent"), "accept")
    record_review(
        sample,
        second_cardiologist,
        dict(BASE, urgency="urgent"),
        "revise",
        corrected_answer="Call 911.",
    )
    record_review(sample, third, dict(BASE, urgency="routine"), "reject")
    agreement_compute(project=project, method="majority")
    sample.refresh_from_db()
    assert sample.status == Sample.Status.ADJUDICATION
    return sample


def selected(page, name: str) -> str:
    return page.eval_on_selector(
        f"select[name='{name}']", "(el) => el.options[el.selectedIndex].text"
    )


def test_lead_sees_labels_differences_and_vote_split_and_decides_from_honest_defaults(
    page, disputed, lead
):
    sign_in(page, lead.user)
    with page.expect_navigation():
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Adjudication").click()
    with page.expect_navigation():
        page.get_by_role("link", name="cp-0042").click()

    # Reviews in words: option labels, never keys or True/False.
    table = page.get_by_test_id("comparison").inner_text()
    assert "Advises emergency care when red flags are present" in table
    assert "Not applicable" in table and "Met" in table and "Emergent" in table
    assert "True" not in table and "None" not in table and "advises_er" not in table
    # Only the criteria where the reviewers differ stand out.
    differing = page.eval_on_selector_all(
        "tr.differs", "(rows) => rows.map((r) => r.dataset.criterion)"
    )
    assert differing == ["urgency", "verdict"]
    assert page.get_by_test_id("split-verdict").inner_text() == "Accept 1 · Revise 1 · Reject 1"
    assert "none: the votes tie" in page.locator("tr[data-criterion=verdict]").inner_text()
    assert page.get_by_test_id("split-advises_er").inner_text() == "Not applicable 3"
    assert "share of reviewers" in page.get_by_test_id("confidence-means").inner_text()

    # Defaults: the consensus, "Not applicable" honoured, empty where the panel split evenly.
    assert selected(page, "grade-advises_er") == "Not applicable"
    assert selected(page, "grade-accurate") == "Met"
    assert selected(page, "grade-completeness") == "4"
    assert selected(page, "grade-urgency") == "— choose —"
    assert page.locator("input[name=verdict]:checked").count() == 0

    page.get_by_label("Urgency conveyed").select_option(label="Emergent")
    page.get_by_role("radio", name="Revise").check()
    page.get_by_label("Final answer (for revise)").click()
    page.keyboard.type("Call emergency services now.")
    page.get_by_label("Note (why this is the final label)").click()
    page.keyboard.type("Radiating chest pain is a red flag.")
    with page.expect_navigation():
        page.get_by_role("button", name="Record decision").click()

    decision = Adjudication.objects.get(sample=disputed)
    assert decision.grades == {
        "accurate": True,
        "completeness": 4,
        "urgency": "emergent",
        "advises_er": None,
    }
    assert decision.verdict == "revise"
    assert decision.final_answer == "Call emergency services now."
    disputed.refresh_from_db()
    assert disputed.status == Sample.Status.SETTLED


def test_an_admin_reaches_the_queue_and_reads_the_sample_without_a_form(page, disputed):
    admin = UserFactory(username="ada@rounds.test", is_staff=True)
    sign_in(page, admin)
    with page.expect_navigation():
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Adjudication").click()
    assert page.get_by_role("heading", name="Adjudication queue").is_visible()
    assert "A lead decides" in page.locator("main table").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="cp-0042").click()
    assert page.get_by_test_id("split-verdict").inner_text() == "Accept 1 · Revise 1 · Reject 1"
    assert page.get_by_role("button", name="Record decision").count() == 0
    assert not Adjudication.objects.exists()
