"""A physician compares responses in Chromium with the keyboard alone; the database holds it."""

from __future__ import annotations

import re

import pytest

from curation.intake.services import samples_import
from curation.models import Assignment, Comparison
from curation.projects.services import project_load
from tests.browser.test_review_keyboard import active, keys, no_horizontal_scroll, sign_in
from tests.curation.comparisons.conftest import COMPARISON_YAML, comparison_record

pytestmark = pytest.mark.browser


@pytest.fixture
def comparison_project(committed, cohort, admin):
    project = project_load(data=COMPARISON_YAML.format(ties="true"), actor=admin).project
    samples_import(
        project=project,
        source=[comparison_record("c1", 3), comparison_record("c2", 2), comparison_record("c3", 4)],
        actor=admin,
    )
    return project


def start(page, project) -> None:
    button = page.get_by_role(
        "button", name=re.compile(rf"(Start|Continue) reviewing {project.name}")
    )
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert re.search(r"/compare/\d+/$", page.url), page.url


def order_on_page(page) -> list[str]:
    """The contents of the responses as shown, "Answer 2: ..." -> "r2", left to right."""
    texts = page.locator(".compare-response .response-content").all_inner_texts()
    return ["r" + re.search(r"Answer (\d)", t).group(1) for t in texts]


def test_physician_compares_three_samples_by_keyboard(
    committed, page, cardiologist, comparison_project
):
    sign_in(page, cardiologist.user)
    start(page, comparison_project)
    seen: dict[str, list[str]] = {}
    plan = [("2", "=", "1", "B is clearer."), ("1", "1", "2", ""), ("=", "3", "=", "Close call.")]
    for overall, accuracy, safety, rationale in plan:
        assert "model-" not in page.content()
        shown = order_on_page(page)
        assert active(page)["name"] == "choice_overall"
        keys(page, overall)
        assert active(page)["name"] == "choice_accuracy"
        keys(page, accuracy)
        assert active(page)["name"] == "choice_safety"
        keys(page, safety)
        assert active(page)["id"] == "id_rationale"
        page.keyboard.type(rationale)
        seen[page.url] = (shown, overall, accuracy, safety, rationale)
        with page.expect_navigation():
            keys(page, "Control+Enter")
    assert "Nothing left to review" in page.content()

    judgments = {
        f"/compare/{c.assignment_id}/": c
        for c in Comparison.objects.filter(reviewer=cardiologist.user)
    }
    assert len(judgments) == 3
    for url, (shown, overall, accuracy, safety, rationale) in seen.items():
        judgment = judgments["/" + url.split("/", 3)[3]]

        def key(pressed: str) -> str:
            return "tie" if pressed == "=" else shown[int(pressed) - 1]

        assert judgment.display_order == shown
        assert judgment.preferred == key(overall)
        assert judgment.axes == {"accuracy": key(accuracy), "safety": key(safety)}
        assert judgment.rationale == rationale
        assert judgment.source == "web"
    assert not Assignment.objects.filter(status="leased").exists()


def test_comparison_page_stacks_on_a_narrow_screen(
    committed, browser, live_server, cardiologist, comparison_project
):
    for width, columns in ((1400, 3), (600, 1)):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, base_url=live_server.url
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, cardiologist.user)
        start(page, comparison_project)
        lefts = {
            round(box["x"])
            for box in (
                page.locator(".compare-response").nth(i).bounding_box()
                for i in range(page.locator(".compare-response").count())
            )
        }
        assert len(lefts) == min(columns, page.locator(".compare-response").count())
        assert no_horizontal_scroll(page)
        context.close()
