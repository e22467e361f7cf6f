"""Fewer keys: an accept with n criteria takes n + 2 keys, one more starts it from My work.

The counts are measured here, as a person presses keys in Chromium, and printed (`-s`)."""

from __future__ import annotations

import pytest

from curation.models import Review
from tests.browser.test_review_keyboard import active, sign_in
from tests.factories import ProjectFactory, RubricFactory, SampleFactory

pytestmark = pytest.mark.browser

CRITERIA = [
    {"key": f"c{i}", "label": f"Criterion {i}", "kind": "binary", "axis": "accuracy"}
    for i in range(1, 9)
]


class Keyboard:
    """Presses keys and counts them."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def press(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)
            self.count += 1


def in_view(page, selector: str) -> bool:
    """The element is inside the window and inside every scrolling box around it."""
    return page.evaluate(
        """(selector) => {
            const el = document.querySelector(selector);
            const r = el.getBoundingClientRect();
            if (r.height === 0 || r.top < 0 || r.bottom > window.innerHeight) return false;
            for (let box = el.parentElement; box; box = box.parentElement) {
                const style = getComputedStyle(box);
                if (!/(auto|scroll)/.test(style.overflowY)) continue;
                const b = box.getBoundingClientRect();
                if (r.top < b.top - 1 || r.bottom > b.bottom + 1) return false;
            }
            const hit = document.elementFromPoint(r.left + 2, r.top + r.height / 2);
            return el.contains(hit) || hit === el;
        }""",
        selector,
    )


@pytest.fixture
def eight(cohort):
    project = ProjectFactory(
        slug="eight",
        name="Eight criteria",
        rubric=RubricFactory(criteria=CRITERIA),
        cohorts=[cohort],
    )
    SampleFactory.create_batch(2, project=project)
    return project


def test_an_accept_with_eight_criteria_takes_ten_keys_and_one_more_from_my_work(
    committed, page, cardiologist, eight
):
    sign_in(page, cardiologist.user)
    kb = Keyboard(page)
    with page.expect_navigation():
        kb.press("n")  # My work: starts the first project with work
    start_keys = kb.count
    assert page.url.endswith(f"/review/{cardiologist.user.assignments.get().pk}/")

    kb.count = 0
    for i in range(1, 9):
        assert active(page)["name"] == f"grade_c{i}"
        kb.press("y")  # chooses and moves on to the next criterion
    assert active(page)["name"] == "verdict"
    kb.press("a")
    with page.expect_navigation():
        kb.press("Control+Enter")
    review_keys = kb.count
    print(f"\nkeys: start from My work {start_keys}, accept with 8 criteria {review_keys}")

    assert start_keys == 1
    assert review_keys == len(CRITERIA) + 2
    review = Review.objects.get(reviewer=cardiologist.user)
    assert review.verdict == "accept"
    assert review.grades == {f"c{i}": True for i in range(1, 9)}


def test_the_shortcut_sheet_and_the_diff_summary_stay_in_view(committed, page, cardiologist, eight):
    SampleFactory(project=eight, answer="Rest at home. " * 40)
    sign_in(page, cardiologist.user)
    page.keyboard.press("n")
    page.wait_for_url("**/review/*/")

    assert not in_view(page, "#shortcuts dl")
    page.keyboard.press("?")
    assert page.evaluate("() => document.getElementById('shortcuts').open")
    assert in_view(page, "#shortcuts dl"), "the shortcut sheet opened out of sight"
    page.keyboard.press("?")
    assert not page.evaluate("() => document.getElementById('shortcuts').open")

    # The physician has scrolled the form so that the correction box just fits: the line under
    # it, with the diff summary, is below the fold when they start typing.
    page.evaluate(
        """() => {
            const side = document.querySelector('.review-side');
            const box = document.getElementById('id_corrected_answer').getBoundingClientRect();
            side.scrollTop += box.bottom - side.getBoundingClientRect().bottom + 4;
        }"""
    )
    page.keyboard.press("v")
    assert active(page)["id"] == "id_corrected_answer"
    page.keyboard.press("Control+a")
    page.keyboard.type("Call emergency services now. " * 30)
    assert "added" in page.locator("[data-diff-summary]").inner_text()
    assert in_view(page, "[data-diff-summary]"), "the diff summary scrolled out of sight"
