"""An admin reads the audit log in Chromium: sentences, changes in words, filters, pages."""

from __future__ import annotations

import pytest

from annotators.services import physician_verify
from core.audit import audit_record
from core.models import AuditEvent
from tests.browser.test_admin_console import PASSWORD, SHOTS, sign_in, submit
from tests.factories import PhysicianFactory, UserFactory

pytestmark = pytest.mark.browser


def test_admin_finds_a_verification_by_friendly_filters_and_pages_through(
    committed, page, live_server
):
    ada = UserFactory(
        username="ada@rounds.test", first_name="Ada", last_name="Admin", is_staff=True
    )
    okafor = PhysicianFactory(
        user__username="okafor@clinic.test",
        user__first_name="Dr",
        user__last_name="Okafor",
        verification="unverified",
        licence_number="",
    )
    physician_verify(
        physician=okafor, actor=ada, note="Board lookup", licence_number="CA-9", jurisdiction="CA"
    )
    for n in range(40):
        audit_record(
            actor=ada,
            action="project.cap_set",
            object_repr=f"Project {n}",
            before={"per_physician_cap": None},
            after={"per_physician_cap": n},
        )
    assert AuditEvent.objects.count() >= 41

    sign_in(page, "ada@rounds.test", PASSWORD)
    page.goto("/console/audit/")
    assert page.get_by_test_id("event").count() == 25
    assert page.get_by_role("navigation", name="Pages").is_visible()
    box = page.locator("main").bounding_box()
    assert box["height"] < 5000

    page.get_by_label("Who").fill("Ada Admin")
    page.get_by_label("What happened").select_option(label="Licence verified")
    page.get_by_label("On what").select_option(label="Physician")
    submit(page, "Filter")
    events = page.get_by_test_id("event")
    assert events.count() == 1
    text = events.first.inner_text()
    assert "Ada Admin verified Dr Okafor's licence." in text
    assert "Verification: unverified → verified" in text
    assert "True" not in text and "False" not in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "console-audit.png"), full_page=True)

    page.goto("/console/audit/")
    page.get_by_label("What happened").select_option(label="Per-physician cap set")
    submit(page, "Filter")
    assert "40 events" in page.get_by_role("heading", level=2).first.inner_text()
    first = page.get_by_test_id("event").first.inner_text()
    assert "Ada Admin set the per-physician cap of Project 39." in first
    assert "Per physician cap: — → 39" in first
    with page.expect_navigation():
        page.get_by_role("link", name="Next").click()
    assert page.get_by_test_id("event").count() == 15
    assert "page=2" in page.url and "action=project.cap_set" in page.url
