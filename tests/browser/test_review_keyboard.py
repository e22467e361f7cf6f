"""A physician reviews in Chromium with the keyboard alone; the database holds exactly that."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from curation.models import Assignment, Review, ReviewDraft
from curation.reviewing.assignment import assignment_next
from curation.reviewing.reviews import review_submit
from tests.factories import SampleFactory

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORD = "correct-horse-battery"
CORRECTION = "Call 911 now: crushing chest pain can be a heart attack."


def sign_in(page, user) -> None:
    """Types into the sign-in form (the e-mail field has focus) and presses Enter."""
    page.goto("/accounts/login/")
    page.wait_for_function("() => document.activeElement?.id === 'id_username'")
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", name="My work").is_visible(), page.url


def start(page, project) -> None:
    button = page.get_by_role(
        "button", name=re.compile(rf"(Start|Continue) reviewing {project.name}")
    )
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert re.search(r"/review/\d+/$", page.url), page.url


def active(page) -> dict:
    return page.evaluate(
        "() => ({name: document.activeElement.name || '', tag: document.activeElement.tagName,"
        " id: document.activeElement.id || ''})"
    )


def keys(page, *sequence: str) -> None:
    for key in sequence:
        page.keyboard.press(key)


def submit(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")


def unlabelled_controls(page) -> list[str]:
    """Controls without a label, and radio groups without a legend."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll("input, textarea, select, button"))
            .filter((el) => el.type !== "hidden")
            .filter((el) => {
                const text = el.tagName === "BUTTON" && el.textContent.trim();
                const named = el.labels.length > 0 || text;
                const legend = el.closest("fieldset")?.querySelector("legend");
                const grouped = el.type !== "radio" || legend;
                return !(named && grouped);
            })
            .map((el) => el.outerHTML.slice(0, 120))"""
    )


def no_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_physician_reviews_three_samples_skips_one_and_corrects_one_by_keyboard(
    committed, page, cardiologist, project
):
    samples = SampleFactory.create_batch(4, project=project)
    sign_in(page, cardiologist.user)
    start(page, project)

    # 1: grades by keys, each moving on to the next criterion; Shift+Tab goes back one; accept.
    assert active(page)["name"] == "grade_accurate"
    keys(page, "y")
    assert active(page)["name"] == "grade_completeness"
    keys(page, "4")
    assert active(page)["name"] == "grade_urgency"
    keys(page, "1")
    assert active(page)["name"] == "grade_advises_er"
    keys(page, "x")
    assert active(page)["name"] == "verdict"
    keys(page, "Shift+Tab")
    assert active(page)["name"] == "grade_advises_er"
    keys(page, "a")
    submit(page)

    # 2: skip; digits choose the reason, Enter confirms.
    keys(page, "s")
    assert active(page)["name"] == "reason"
    keys(page, "3")
    with page.expect_navigation():
        keys(page, "Enter")

    # 3: correct the answer; v (revise) moves to the correction editor.
    keys(page, "y", "2", "2", "n", "v")
    assert active(page)["id"] == "id_corrected_answer"
    keys(page, "Control+a")
    page.keyboard.type(CORRECTION)
    assert page.locator("[data-diff] ins").first.inner_text().strip()
    assert page.locator("[data-diff] del").count() >= 1
    assert "added" in page.locator("[data-diff-summary]").inner_text()
    keys(page, "Tab")
    assert active(page)["id"] == "id_rationale"
    page.keyboard.type("Too vague about when to call for help.")
    (ROOT / "var").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "var" / "review-page.png"), full_page=False)
    submit(page)

    # 4: reject; r moves to the rationale.
    keys(page, "n", "1", "3", "y", "r")
    assert active(page)["id"] == "id_rationale"
    page.keyboard.type("Unsafe: reassures without an ECG.")
    submit(page)

    assert "Nothing left to review" in page.content()

    reviews = {r.sample_id: r for r in Review.objects.filter(reviewer=cardiologist.user)}
    assert set(reviews) == {samples[0].pk, samples[2].pk, samples[3].pk}
    first, corrected, rejected = (reviews[s.pk] for s in (samples[0], samples[2], samples[3]))
    assert first.grades == {
        "accurate": True,
        "completeness": 4,
        "urgency": "emergent",
        "advises_er": None,
    }
    assert first.verdict == "accept" and first.corrected_answer == ""
    assert corrected.verdict == "revise"
    assert corrected.corrected_answer == CORRECTION
    assert corrected.original_answer == samples[2].answer
    assert corrected.rationale == "Too vague about when to call for help."
    assert corrected.grades == {
        "accurate": True,
        "completeness": 2,
        "urgency": "urgent",
        "advises_er": False,
    }
    assert rejected.verdict == "reject"
    assert rejected.rationale == "Unsafe: reassures without an ECG."
    assert rejected.grades["urgency"] == "routine"
    assert all(r.source == "web" and r.time_on_task_ms is not None for r in reviews.values())
    skipped = Assignment.objects.get(reviewer=cardiologist.user, status="skipped")
    assert skipped.sample_id == samples[1].pk
    assert skipped.skip_reason == "cannot_judge"
    assert not Assignment.objects.filter(status="leased").exists()
    assert Review.objects.count() == 3


def test_review_page_fits_a_tablet_without_horizontal_scroll(
    committed, browser, live_server, cardiologist, project
):
    SampleFactory(
        project=project,
        messages=[
            {"role": "user", "content": "x" * 400},
            {
                "role": "assistant",
                "content": "| a | b | c |\n|---|---|---|\n| " + "y" * 300 + " | 2 | 3 |",
            },
            {"role": "user", "content": "```\n" + "z" * 300 + "\n```"},
        ],
        answer="A long answer " + "w" * 300,
    )
    for width, height in ((768, 1024), (1280, 800)):
        context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=live_server.url
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, cardiologist.user)
        assert no_horizontal_scroll(page), f"My work scrolls sideways at {width}px"
        start(page, project)
        assert no_horizontal_scroll(page), f"the review page scrolls sideways at {width}px"
        assert unlabelled_controls(page) == []
        context.close()


def test_draft_autosave_restores_after_the_tab_is_closed(committed, page, cardiologist, project):
    SampleFactory(project=project)
    sign_in(page, cardiologist.user)
    start(page, project)
    url = page.url
    keys(page, "n", "3", "2", "r")
    page.keyboard.type("Draft rationale in progress")
    page.wait_for_function(
        "() => document.querySelector('[data-draft-status]').textContent.includes('Draft saved')"
    )
    draft = ReviewDraft.objects.get()
    assert draft.payload["rationale"] == "Draft rationale in progress"
    page.close()

    reopened = page.context.new_page()
    reopened.goto(url)
    assert reopened.locator("input[name=grade_accurate][value=not_met]").is_checked()
    assert reopened.locator("input[name=grade_completeness][value='3']").is_checked()
    assert reopened.locator("input[name=grade_urgency][value=urgent]").is_checked()
    assert reopened.locator("input[name=verdict][value=reject]").is_checked()
    assert reopened.locator("#id_rationale").input_value() == "Draft rationale in progress"
    assert "Draft restored" in reopened.locator("[data-draft-status]").inner_text()
    assert not Review.objects.exists()


def test_second_physician_sees_nothing_of_the_first_review(
    committed, page, cardiologist, second_cardiologist, project
):
    sample = SampleFactory(project=project)
    first = assignment_next(user=cardiologist.user, project=project).assignment
    review_submit(
        assignment_id=first.pk,
        user=cardiologist.user,
        grades={"accurate": False, "completeness": 1, "urgency": "routine", "advises_er": False},
        verdict="revise",
        corrected_answer="ZEBRA-CORRECTION go to the emergency department",
        rationale="QUOKKA-RATIONALE misses red flags",
    )

    sign_in(page, second_cardiologist.user)
    start(page, project)

    assert Assignment.objects.get(reviewer=second_cardiologist.user).sample == sample
    html = page.content()
    for leak in ("ZEBRA-CORRECTION", "QUOKKA-RATIONALE", "Alice", cardiologist.user.email):
        assert leak not in html
    assert page.locator("input:checked").count() == 0
    assert page.locator("#id_corrected_answer").input_value() == sample.answer
    page.goto("/reviews/")
    assert "You have not submitted a review yet" in page.content()
