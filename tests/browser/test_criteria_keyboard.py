"""Physicians write, validate and grade against sample criteria by keyboard; the database agrees."""

from __future__ import annotations

import pytest

from curation.models import CriterionGrade, CriterionValidation, SampleCriterion
from tests.browser.test_review_keyboard import active, sign_in
from tests.factories import SampleFactory

pytestmark = pytest.mark.browser


def _page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
    return context, context.new_page()


def test_physicians_write_and_validate_criteria_by_keyboard(
    committed, browser, live_server, cardiologist, second_cardiologist, lead, project
):
    project.criteria_validators = 2
    project.criteria_agree_share = 0.5
    project.save()
    SampleFactory(project=project, external_id="hb-1")

    # Alice writes two criteria: text, Tab, points, Tab, axis by typing, Ctrl+Enter.
    context, page = _page(browser, live_server)
    sign_in(page, cardiologist.user)
    page.goto(f"/projects/{project.slug}/criteria/write/")
    assert active(page)["id"] == "id_text"
    page.keyboard.type("Advises calling emergency services now")
    page.keyboard.press("Tab")
    page.keyboard.type("9")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert active(page)["id"] == "id_text"
    page.keyboard.type("Mentions aspirin and nitroglycerin and oxygen")
    assert "two checks" in page.locator("[data-warnings]").inner_text()
    page.keyboard.press("Tab")
    page.keyboard.type("-4")
    page.keyboard.press("Tab")
    page.keyboard.type("completeness")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert page.locator("[data-criteria] li").count() == 2
    context.close()

    written = list(SampleCriterion.objects.order_by("position"))
    assert [(c.text, c.points, c.axis, c.status, c.author_id) for c in written] == [
        ("Advises calling emergency services now", 9, "accuracy", "proposed", cardiologist.user_id),
        (
            "Mentions aspirin and nitroglycerin and oxygen",
            -4,
            "completeness",
            "proposed",
            cardiologist.user_id,
        ),
    ]

    # Bob agrees with the first (a) and asks for an edit of the second (e, type, Ctrl+Enter).
    context, page = _page(browser, live_server)
    sign_in(page, second_cardiologist.user)
    page.goto(f"/projects/{project.slug}/criteria/validate/")
    assert (
        "Advises calling emergency services" in page.locator("[data-criterion-text]").inner_text()
    )
    with page.expect_navigation():
        page.keyboard.press("a")
    page.keyboard.press("e")
    assert active(page)["id"] == "id_suggested_text"
    page.keyboard.type("Mentions aspirin")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert "Nothing left to validate" in page.content()
    context.close()

    # Lena agrees with the first (a): 2 of 2 agree, it is kept. She disagrees with the second (d):
    # none of 2 agree (an edit request is not agreement), so it goes to a lead.
    context, page = _page(browser, live_server)
    sign_in(page, lead.user)
    page.goto(f"/projects/{project.slug}/criteria/validate/")
    with page.expect_navigation():
        page.keyboard.press("a")
    with page.expect_navigation():
        page.keyboard.press("d")
    context.close()

    decisions = sorted(
        CriterionValidation.objects.values_list(
            "criterion__position", "validator__username", "decision", "suggested_text"
        )
    )
    assert decisions == [
        (0, "bob@rounds.test", "agree", ""),
        (0, "lena@rounds.test", "agree", ""),
        (1, "bob@rounds.test", "edit", "Mentions aspirin"),
        (1, "lena@rounds.test", "disagree", ""),
    ]
    statuses = list(SampleCriterion.objects.order_by("position").values_list("status", flat=True))
    assert statuses == ["validated", "disputed"]

    # Bob grades the response against the kept criterion: y marks it met, Ctrl+Enter saves.
    context, page = _page(browser, live_server)
    sign_in(page, second_cardiologist.user)
    page.goto(f"/projects/{project.slug}/criteria/grade/")
    assert active(page)["name"] == "met_0"
    page.keyboard.press("y")
    assert active(page)["id"] == "save-grades"
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert "Nothing left to grade" in page.content()
    context.close()
    grades = list(
        CriterionGrade.objects.values_list("criterion__position", "physician__username", "met")
    )
    assert grades == [(0, "bob@rounds.test", True)]
