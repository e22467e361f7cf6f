"""My reviews names each sample; My work says up front why someone cannot review."""

from __future__ import annotations

import pytest
from django.utils import timezone

from annotators.models import Physician
from curation.models import Assignment, Review
from tests.browser.test_review_keyboard import keys, sign_in, start, submit
from tests.factories import PhysicianFactory, SampleFactory, UserFactory, join

pytestmark = pytest.mark.browser

QUESTION = (
    "**Crushing** chest pain since this morning, spreading to my left arm and jaw, with "
    "sweating and nausea: what should I do?"
)


def rows(page) -> list[list[str]]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll("main table tbody tr")).map(
            (tr) => Array.from(tr.cells).map((td) => td.innerText.trim()))"""
    )


def test_my_reviews_lists_each_sample_by_its_id_question_specialty_verdict_and_date(
    committed, page, cardiologist, project
):
    chest = SampleFactory(
        project=project,
        external_id="cp-2024-0117",
        messages=[{"role": "user", "content": QUESTION}],
    )
    other = SampleFactory(project=project, external_id="cp-2024-0200", specialty=None)
    sign_in(page, cardiologist.user)
    start(page, project)
    keys(page, "y", "4", "1", "x", "a")
    submit(page)
    keys(page, "n", "2", "3", "y", "r")
    page.keyboard.type("Misses the red flags.")
    submit(page)

    page.get_by_role("link", name="My reviews").click()
    page.wait_for_url("**/reviews/")
    by_sample = {r.sample.external_id: r for r in Review.objects.select_related("sample")}
    assert set(by_sample) == {chest.external_id, other.external_id}
    table = rows(page)
    assert [row[0] for row in table] == [other.external_id, chest.external_id]  # newest first
    for row in table:
        review = by_sample[row[0]]
        sample = review.sample
        assert row[2] == (sample.specialty.name if sample.specialty else "—")
        assert row[4] == review.get_verdict_display()
        local = timezone.localtime(review.submitted_at)
        assert row[5] == local.strftime("%Y-%m-%d %H:%M")
    assert table[1][1] == "Crushing chest pain since this morning, spreading to my left arm and…"
    assert table[1][2] == chest.specialty.name == "Cardiovascular Disease"
    assert "item" not in page.locator("main").inner_text().lower()

    page.get_by_role("link", name=f"View or amend my review of sample {chest.external_id}").click()
    page.wait_for_url(f"**/reviews/{by_sample[chest.external_id].pk}/")
    assert chest.external_id in page.get_by_role("heading", level=1).inner_text()


@pytest.mark.parametrize("who", ["unverified", "suspended", "admin_without_profile"])
def test_my_work_says_why_someone_cannot_review_instead_of_offering_start(
    committed, page, cohort, project, who
):
    SampleFactory(project=project)
    if who == "admin_without_profile":
        user = UserFactory(username="ada@rounds.test", is_staff=True)
        reason = "no physician profile"
    else:
        physician = PhysicianFactory(
            user__username="dr.new@rounds.test", specialties=["cardiology"]
        )
        join(cohort, physician)
        if who == "unverified":
            physician.verification = Physician.Verification.UNVERIFIED
            reason = "licence has not been verified"
        else:
            physician.status = Physician.Status.SUSPENDED
            physician.status_reason = "Licence under review."
            reason = "suspended"
        physician.save()
        user = physician.user

    sign_in(page, user)
    notice = page.locator("#cannot-review")
    assert notice.is_visible()
    assert reason in notice.inner_text()
    assert page.get_by_role("heading", name=project.name).is_visible()
    assert page.get_by_role("button", name=f"Start reviewing {project.name}").count() == 0
    url = page.url
    keys(page, "n")  # the start key does nothing either
    page.wait_for_timeout(300)
    assert page.url == url
    assert not Assignment.objects.exists()


def test_a_verified_physician_is_offered_start_and_no_warning(
    committed, page, cardiologist, project
):
    SampleFactory(project=project)
    sign_in(page, cardiologist.user)
    assert page.locator("#cannot-review").count() == 0
    assert page.get_by_role("button", name=f"Start reviewing {project.name}").is_visible()
    with page.expect_navigation():
        keys(page, "n")
    assert Assignment.objects.get().reviewer == cardiologist.user
