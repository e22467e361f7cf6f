"""No lost work: keys never act on text, Ctrl+Enter sends the review, a skip confirms itself,
and the last submit or skip can be undone. Chromium, keyboard only; the database decides."""

from __future__ import annotations

import pytest

from core.models import AuditEvent
from curation.models import Assignment, Review, Sample
from tests.browser.test_review_keyboard import active, keys, sign_in, start, submit
from tests.factories import SampleFactory

pytestmark = pytest.mark.browser

LONG_ANSWER = " ".join(
    f"Point {i}: rest, take an aspirin if you have one and see how it goes." for i in range(12)
)
LONG_CORRECTION = "\n".join(
    f"Step {i}: call emergency services now, chew 300 mg aspirin unless allergic, "
    "unlock the door and sit down; do not drive yourself to hospital."
    for i in range(14)
)
# Every single-key shortcut of the page, in the words of a physician's rationale.
RATIONALE = (
    "Says 'wait and see' for crushing pain: unsafe? yes. Needs ECG x1 within 10 min; "
    "avoid delay, rx aspirin. u/s not needed. 1 2 3 4 5 6 7 8 9 0 ? a v r s y n x u"
)


def _flags(page) -> dict:
    return page.evaluate(
        """() => ({
            skipOpen: document.getElementById('skip-panel').open,
            sheetOpen: document.getElementById('shortcuts').open,
            verdict: document.querySelector('input[name=verdict]:checked')?.value || '',
        })"""
    )


def test_a_rationale_typed_after_tabbing_out_of_a_long_correction_is_stored_as_the_review(
    committed, page, cardiologist, project
):
    first, second = SampleFactory.create_batch(2, project=project, answer=LONG_ANSWER)
    sign_in(page, cardiologist.user)
    start(page, project)
    lease = Assignment.objects.get(reviewer=cardiologist.user)

    keys(page, "y", "4", "1", "x", "v")
    assert active(page)["id"] == "id_corrected_answer"
    keys(page, "Control+a")
    page.keyboard.type(LONG_CORRECTION)
    overflow = page.evaluate(
        "() => { const d = document.querySelector('[data-diff]');"
        " return d.scrollHeight > d.clientHeight; }"
    )
    assert overflow, "the diff panel should overflow and scroll, as in the incident"

    keys(page, "Tab")  # correction -> rationale: the scrolling diff panel is not a tab stop
    assert active(page)["id"] == "id_rationale"
    page.keyboard.type(RATIONALE)
    assert _flags(page) == {"skipOpen": False, "sheetOpen": False, "verdict": "revise"}
    keys(page, "Tab")  # rationale -> submit
    assert active(page)["tag"] == "BUTTON"
    assert "Submit" in page.evaluate("() => document.activeElement.textContent")
    keys(page, "Shift+Tab")
    assert active(page)["id"] == "id_rationale"

    # Focus on the diff panel itself (a click, or a browser that lets Tab stop there): letters
    # typed there are text, never shortcuts, and Ctrl+Enter sends the review on the page.
    page.locator("[data-diff]").focus()
    page.keyboard.type("savrynxu?123")
    assert _flags(page) == {"skipOpen": False, "sheetOpen": False, "verdict": "revise"}
    assert page.locator("#id_rationale").input_value() == RATIONALE
    submit(page)

    review = Review.objects.get(reviewer=cardiologist.user)
    assert review.sample_id == lease.sample_id == first.pk
    assert review.verdict == "revise"
    assert review.rationale == RATIONALE
    assert review.corrected_answer.replace("\r\n", "\n") == LONG_CORRECTION  # form CRLF
    assert review.grades == {
        "accurate": True,
        "completeness": 4,
        "urgency": "emergent",
        "advises_er": None,
    }
    lease.refresh_from_db()
    assert lease.status == Assignment.Status.SUBMITTED and lease.skip_reason == ""
    assert not Assignment.objects.filter(status=Assignment.Status.SKIPPED).exists()
    assert Assignment.objects.get(reviewer=cardiologist.user, status="leased").sample == second


def test_a_skip_that_would_discard_grades_asks_again_and_ctrl_enter_never_skips(
    committed, page, cardiologist, project
):
    SampleFactory.create_batch(2, project=project)
    sign_in(page, cardiologist.user)
    start(page, project)
    lease = Assignment.objects.get(reviewer=cardiologist.user)
    url = page.url

    keys(page, "y", "3", "s")
    assert active(page)["name"] == "reason"
    keys(page, "3", "Control+Enter")
    page.wait_for_timeout(300)
    assert page.url == url
    assert "never a skip" in page.locator("[data-skip-warning]").inner_text()

    keys(page, "Enter")  # the first Enter only warns: grades would be lost
    page.wait_for_timeout(300)
    assert page.url == url
    assert "discards" in page.locator("[data-skip-warning]").inner_text()
    lease.refresh_from_db()
    assert lease.status == Assignment.Status.LEASED

    with page.expect_navigation():
        keys(page, "Enter")
    lease.refresh_from_db()
    assert lease.status == Assignment.Status.SKIPPED
    assert lease.skip_reason == "cannot_judge"
    assert not Review.objects.exists()


def test_the_last_submit_and_the_last_skip_can_be_undone_with_u(
    committed, page, cardiologist, project
):
    SampleFactory.create_batch(3, project=project)
    sign_in(page, cardiologist.user)
    start(page, project)
    first_url = page.url
    keys(page, "n", "2", "3", "y", "r")
    page.keyboard.type("Misses the red flags.")
    submit(page)
    assert Review.objects.count() == 1
    assert page.get_by_role("button", name="Undo that review").is_visible()

    with page.expect_navigation():
        keys(page, "u")
    assert page.url == first_url
    assert not Review.objects.exists()
    first = Assignment.objects.get(
        reviewer=cardiologist.user,
        review__isnull=True,
        pk=int(first_url.rstrip("/").rsplit("/", 1)[1]),
    )
    assert first.status == Assignment.Status.LEASED
    # The review comes back as it was sent, ready to change.
    assert page.locator("input[name=verdict][value=reject]").is_checked()
    assert page.locator("input[name=grade_urgency][value=routine]").is_checked()
    assert page.locator("#id_rationale").input_value() == "Misses the red flags."
    assert page.get_by_role("button", name="Undo that review").count() == 0

    keys(page, "a")
    submit(page)
    review = Review.objects.get()
    assert review.assignment_id == first.pk and review.verdict == "accept"

    # A skip of an untouched sample goes at once, and u brings it back.
    skipped_url = page.url
    keys(page, "s", "1")
    with page.expect_navigation():
        keys(page, "Enter")
    skipped = Assignment.objects.get(reviewer=cardiologist.user, status="skipped")
    with page.expect_navigation():
        keys(page, "u")
    assert page.url == skipped_url
    skipped.refresh_from_db()
    assert skipped.status == Assignment.Status.LEASED and skipped.skip_reason == ""
    assert Sample.objects.get(pk=skipped.sample_id).slots_open == project.overlap - 1
    assert AuditEvent.objects.filter(action="assignment.undo").count() == 2
