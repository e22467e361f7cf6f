"""A newcomer tours the seeded demo in Chromium and finds a project already alive."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from curation.models import AgreementReport, Sample
from exports.models import Export

pytestmark = pytest.mark.browser

PASSWORD = "rounds-demo-2026"


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_newcomer_sees_recent_work_a_report_a_dispute_and_an_export(
    committed, page, live_server, storage_root
):
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    reports = AgreementReport.objects.filter(status="done").count()
    disputed = Sample.objects.filter(status="adjudication").order_by("external_id")
    export = Export.objects.get()

    # The admin: the project's chart has two weeks of reviews, and nothing to click first.
    sign_in(page, "admin@rounds.demo")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Console").click()
    chart = page.locator("figure.day-chart svg").first
    label = chart.get_attribute("aria-label")
    assert label.startswith("Reviews per day, Health answers review: 61 in 14 days")
    assert page.locator("figure.day-chart text.value").count() >= 10  # days with reviews
    assert (
        int(page.get_by_test_id("progress-health-answers").get_by_test_id("settled").inner_text())
        > 0
    )

    page.get_by_role("link", name="Agreement").first.click()
    assert page.get_by_role("heading", name="Alpha across the last 3 reports").is_visible()
    assert page.locator("svg[aria-label='Alpha per criterion'] circle").count() > 0
    assert page.locator("svg[aria-label='Alpha trend'] polyline").count() > 0
    assert reports == 3

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Exports").click()
    row = page.get_by_role("row").filter(has_text="Health answers review")
    assert "Done" in row.inner_text() and str(export.row_count) in row.inner_text()

    # The cardiology lead: a sample waits for her decision.
    page.context.clear_cookies()
    sign_in(page, "alice.cardio@rounds.demo")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Adjudication").click()
    listed = page.locator("table tbody tr a").all_inner_texts()
    assert listed and set(listed) <= set(disputed.values_list("external_id", flat=True))
