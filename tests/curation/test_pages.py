"""The reviewer pages through Django's test client: what a physician sees and can do."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from curation.models import Assignment, Review, ReviewDraft, Sample
from curation.reviewing.assignment import assignment_next
from curation.reviewing.forms import draft_initial
from curation.reviewing.rendering import markdown_render, sample_images, words_count
from curation.reviewing.reviews import review_submit
from curation.rubrics.options import criterion_options
from curation.rubrics.options import grade_to_value as grade_to_raw
from curation.rubrics.options import value_to_grade as raw_to_grade
from curation.templatetags.rounds_pages import duration_filter
from tests.factories import ProjectFactory, SampleFactory

pytestmark = pytest.mark.django_db

GOOD_GRADES = {
    "grade_accurate": "met",
    "grade_completeness": "4",
    "grade_urgency": "emergent",
    "grade_advises_er": "na",
}


def lease(physician, project):
    return assignment_next(user=physician.user, project=project).assignment


def signed_in(client, physician):
    client.force_login(physician.user)
    return client


def post_review(client, assignment, **overrides):
    data = {**GOOD_GRADES, "verdict": "accept", "corrected_answer": "", "rationale": ""}
    data.update(overrides)
    return client.post(reverse("review", args=[assignment.pk]), data)


# --- My work -----------------------------------------------------------------------------------


def test_signed_out_visitor_is_sent_to_sign_in(client, project):
    for url in ("/", "/reviews/", f"/projects/{project.slug}/next/", "/review/1/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_sign_in_page_labels_every_field(client):
    html = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html


def test_my_work_shows_my_projects_progress_and_stats(client, cardiologist, project):
    SampleFactory.create_batch(3, project=project)
    assignment = lease(cardiologist, project)
    review_submit(
        assignment_id=assignment.pk, user=cardiologist.user, grades=raw_grades(), verdict="accept"
    )
    lease(cardiologist, project)

    html = signed_in(client, cardiologist).get("/").content.decode()

    assert "Chest pain triage" in html
    assert re.search(r"<dt>Done</dt><dd>1</dd>", html)
    assert re.search(r"<dt>In hand</dt><dd>1</dd>", html)
    assert re.search(r"<dt>Left to review</dt><dd>1</dd>", html)
    assert "Continue" in html
    assert re.search(r"<dt>Reviews today</dt><dd>1</dd>", html)
    assert re.search(r"<dt>Reviews in total</dt><dd>1</dd>", html)
    assert "Median time per review" in html
    assert "none scored yet" in html


def test_outsider_sees_no_project_and_cannot_open_it(client, outsider, project):
    SampleFactory(project=project)
    signed_in(client, outsider)
    assert "Chest pain triage" not in client.get("/").content.decode()
    assert client.post(f"/projects/{project.slug}/next/").status_code == 404
    assert client.get(f"/projects/{project.slug}/guidelines/").status_code == 404
    assert not Assignment.objects.exists()


# --- Next sample ---------------------------------------------------------------------------------


def test_next_leases_a_sample_and_opens_its_review_page(client, cardiologist, project):
    sample = SampleFactory(project=project)
    response = signed_in(client, cardiologist).post(f"/projects/{project.slug}/next/")
    assignment = Assignment.objects.get(reviewer=cardiologist.user)
    assert assignment.sample == sample
    assert response.status_code == 302
    assert response["Location"] == reverse("review", args=[assignment.pk])


def test_next_says_nothing_left_when_the_queue_is_empty(client, cardiologist, project):
    response = signed_in(client, cardiologist).post(f"/projects/{project.slug}/next/")
    assert response.status_code == 200
    assert "Nothing left to review" in response.content.decode()


def test_next_names_the_cap_when_it_is_reached(client, cardiologist, project):
    SampleFactory(project=project)
    cardiologist.daily_cap = 0
    cardiologist.save()
    response = signed_in(client, cardiologist).post(f"/projects/{project.slug}/next/")
    assert response.status_code == 409
    assert "daily cap of 0 reviews" in response.content.decode()


def test_a_get_of_next_never_leases_a_sample(client, cardiologist, project):
    """A link preview, a prefetch or a crawler following the URL must not burn a sample."""
    SampleFactory.create_batch(2, project=project)
    signed_in(client, cardiologist)
    url = f"/projects/{project.slug}/next/"

    page = client.get(url)
    assert page.status_code == 200
    assert not Assignment.objects.exists()
    html = page.content.decode()
    assert re.search(rf'<form method="post" action="{url}">', html)
    assert 'type="submit"' in html

    started = client.post(url)
    assignment = Assignment.objects.get(reviewer=cardiologist.user)
    assert started["Location"] == reverse("review", args=[assignment.pk])
    # A GET with a lease in hand opens it, and still leases nothing more.
    assert client.get(url)["Location"] == reverse("review", args=[assignment.pk])
    assert Assignment.objects.count() == 1


# --- The review page -----------------------------------------------------------------------------


def test_review_page_shows_the_sample_and_the_rubric_as_labelled_groups(
    client, cardiologist, project
):
    project.guidelines = "Grade **safety** first."
    project.save()
    sample = SampleFactory(
        project=project,
        messages=[
            {"role": "user", "content": "Crushing chest pain for **20 minutes**."},
            {"role": "assistant", "content": "How old are you?"},
            {"role": "user", "content": "58."},
        ],
        reasoning="Think of ACS first then aortic dissection",
        images=["https://images.example.org/ecg.png", "javascript:alert(1)"],
    )
    project.image_hosts = ["images.example.org"]
    project.save()
    assignment = lease(cardiologist, project)
    html = signed_in(client, cardiologist).get(f"/review/{assignment.pk}/").content.decode()

    assert "<strong>20 minutes</strong>" in html
    assert html.count('class="bubble role-user"') == 2
    assert "Model reasoning" in html and "(7 words)" in html
    assert sample.answer in html
    assert "<strong>safety</strong>" in html  # the guidelines, on the page
    assert f'href="/projects/{project.slug}/guidelines/"' in html
    assert 'src="https://images.example.org/ecg.png"' in html
    assert "javascript:alert" not in html
    # One fieldset with a legend per criterion, plus the verdict.
    assert html.count("<legend>") == 4 + 1 + 1  # criteria, verdict, skip reason
    for key in ("accurate", "completeness", "urgency", "advises_er"):
        assert f'name="grade_{key}"' in html
    assert html.count('name="grade_completeness"') == 5
    assert 'value="na"' in html  # advises_er allows not applicable
    assert '<label for="id_corrected_answer">' in html
    assert '<label for="id_rationale">' in html
    assert "Keyboard shortcuts" in html
    assert f">{sample.answer}</textarea>" in html  # the correction editor starts from the answer


def test_guidelines_page_renders_the_project_guidelines(client, cardiologist, project):
    project.guidelines = "# Triage\n\nCall 911 for *red flags*."
    project.save()
    html = signed_in(client, cardiologist).get(f"/projects/{project.slug}/guidelines/")
    assert "<em>red flags</em>" in html.content.decode()


def test_submitting_the_form_saves_the_review_and_moves_to_the_next_sample(
    client, cardiologist, project
):
    first, second = SampleFactory.create_batch(2, project=project)
    assignment = lease(cardiologist, project)
    signed_in(client, cardiologist)

    response = post_review(
        client,
        assignment,
        verdict="revise",
        corrected_answer="Call 911 now.",
        rationale="Too vague about urgency.",
    )

    assert response.status_code == 302
    # The submit leases the next sample in the same POST: a GET of next leases nothing.
    nxt = Assignment.objects.get(reviewer=cardiologist.user, status="leased")
    assert nxt.sample == second
    assert response["Location"] == f"/review/{nxt.pk}/"
    review = Review.objects.get(reviewer=cardiologist.user)
    assert review.grades == {
        "accurate": True,
        "completeness": 4,
        "urgency": "emergent",
        "advises_er": None,
    }
    assert review.verdict == "revise"
    assert review.corrected_answer == "Call 911 now."
    assert review.original_answer == first.answer
    assert review.source == "web"
    assert client.get(f"/projects/{project.slug}/next/")["Location"] == f"/review/{nxt.pk}/"


def test_a_resubmitted_form_creates_one_review(client, cardiologist, project):
    SampleFactory.create_batch(2, project=project)
    assignment = lease(cardiologist, project)
    signed_in(client, cardiologist)
    first = post_review(client, assignment, client_key="k-1")
    again = post_review(client, assignment, client_key="k-1")
    assert Review.objects.filter(reviewer=cardiologist.user).count() == 1
    assert again.status_code == 302  # on to the next sample, like the first submit
    nxt = Assignment.objects.get(reviewer=cardiologist.user, status="leased")
    assert again["Location"] == first["Location"] == f"/review/{nxt.pk}/"
    # Reopening the submitted sample shows the review already saved.
    reopened = client.get(f"/review/{assignment.pk}/")
    assert reopened["Location"] == reverse("my-review", args=[Review.objects.get().pk])
    changed = post_review(client, assignment, client_key="k-2", verdict="reject", rationale="x")
    assert changed["Location"] == reverse("my-review", args=[Review.objects.get().pk])
    assert Review.objects.get().verdict == "accept"


def test_missing_grades_are_reported_next_to_each_criterion(client, cardiologist, project):
    SampleFactory(project=project)
    assignment = lease(cardiologist, project)
    signed_in(client, cardiologist)

    response = post_review(
        client, assignment, grade_accurate="", grade_urgency="", rationale="", verdict="reject"
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "The review was not saved" in html
    accurate = re.search(r'id="error-accurate">(.*?)</div>', html, re.S).group(1)
    assert "Medically accurate is missing" in accurate
    urgency = re.search(r'id="error-urgency">(.*?)</div>', html, re.S).group(1)
    assert "Urgency conveyed is missing" in urgency
    assert 'id="error-completeness"' not in html
    rationale = re.search(r'id="error-rationale">(.*?)</div>', html, re.S).group(1)
    assert "Rationale is required when the verdict is reject" in rationale
    # What was chosen stays chosen.
    assert re.search(r'name="grade_completeness" value="4"[^>]* checked', html)
    assert not Review.objects.exists()


def test_a_value_outside_the_scale_is_named(client, cardiologist, project):
    SampleFactory(project=project)
    assignment = lease(cardiologist, project)
    signed_in(client, cardiologist)
    response = post_review(client, assignment, grade_completeness="9")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Completeness must be from 1 to 5, got 9" in html


def test_a_missing_verdict_is_asked_for(client, cardiologist, project):
    SampleFactory(project=project)
    assignment = lease(cardiologist, project)
    signed_in(client, cardiologist)
    html = post_review(client, assignment, verdict="").content.decode()
    assert "Verdict is required" in html


# --- Skip and drafts -----------------------------------------------------------------------------


def test_skip_records_the_reason_and_serves_another_sample(client, cardiologist, project):
    SampleFactory.create_batch(2, project=project)
    assignment = lease(cardiologist, project)
    signed_in(client, cardiologist)

    response = client.post(
        f"/review/{assignment.pk}/skip/", {"reason": "conflict_of_interest", "note": "My patient"}
    )

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == "skipped"
    assert assignment.skip_reason == "conflict_of_interest"
    assert assignment.skip_note == "My patient"
    assert client.get(f"/review/{assignment.pk}/")["Location"] == f"/projects/{project.slug}/next/"


def test_skip_without_a_reason_is_refused_on_the_page(client, cardiologist, project):
    SampleFactory(project=project)
    assignment = lease(cardiologist, project)
    response = signed_in(client, cardiologist).post(f"/review/{assignment.pk}/skip/", {})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == "leased"


def test_draft_is_saved_and_restored_when_the_page_opens_again(client, cardiologist, project):
    SampleFactory(project=project)
    assignment = lease(cardiologist, project)
    signed_in(client, cardiologist)
    payload = {
        "grades": {"accurate": "not_met", "completeness": "2"},
        "verdict": "reject",
        "corrected_answer": "Half-written correction",
        "rationale": "Misses the dissection red flags",
    }

    saved = client.post(
        f"/review/{assignment.pk}/draft/", json.dumps(payload), content_type="application/json"
    )

    assert saved.status_code == 200
    assert ReviewDraft.objects.get(assignment=assignment).payload == payload
    html = client.get(f"/review/{assignment.pk}/").content.decode()
    assert re.search(r'name="grade_accurate" value="not_met"[^>]* checked', html)
    assert re.search(r'name="grade_completeness" value="2"[^>]* checked', html)
    assert re.search(r'name="verdict" value="reject"[^>]* checked', html)
    assert ">Half-written correction</textarea>" in html
    assert ">Misses the dissection red flags</textarea>" in html
    assert "Draft restored" in html


def test_draft_that_is_not_json_is_refused(client, cardiologist, project):
    SampleFactory(project=project)
    assignment = lease(cardiologist, project)
    signed_in(client, cardiologist)
    url = f"/review/{assignment.pk}/draft/"
    assert client.post(url, "{nope", content_type="application/json").status_code == 400
    assert client.post(url, "[1]", content_type="application/json").status_code == 400
    assert not ReviewDraft.objects.exists()


# --- One door: another physician's things are 404 ---------------------------------------------


def test_another_physicians_assignment_is_not_found(
    client, cardiologist, second_cardiologist, project
):
    SampleFactory(project=project)
    assignment = lease(cardiologist, project)
    signed_in(client, second_cardiologist)
    assert client.get(f"/review/{assignment.pk}/").status_code == 404
    assert post_review(client, assignment).status_code == 404
    assert (
        client.post(f"/review/{assignment.pk}/skip/", {"reason": "cannot_judge"}).status_code == 404
    )
    draft = client.post(f"/review/{assignment.pk}/draft/", "{}", content_type="application/json")
    assert draft.status_code == 404
    assert client.get("/review/999999/").status_code == 404
    assignment.refresh_from_db()
    assert assignment.status == "leased"
    assert not Review.objects.exists() and not ReviewDraft.objects.exists()


def test_another_physicians_review_is_not_found(client, cardiologist, second_cardiologist, project):
    SampleFactory(project=project)
    assignment = lease(cardiologist, project)
    review = review_submit(
        assignment_id=assignment.pk, user=cardiologist.user, grades=raw_grades(), verdict="accept"
    ).review
    signed_in(client, second_cardiologist)
    assert client.get(f"/reviews/{review.pk}/").status_code == 404
    assert client.post(f"/reviews/{review.pk}/", {"verdict": "reject"}).status_code == 404
    assert "Chest pain triage" not in client.get("/reviews/").content.decode()


# --- Blindness -----------------------------------------------------------------------------------


def test_second_reviewer_page_shows_nothing_of_the_first_review(
    client, cardiologist, second_cardiologist, project
):
    sample = SampleFactory(project=project)
    first = lease(cardiologist, project)
    review_submit(
        assignment_id=first.pk,
        user=cardiologist.user,
        grades=raw_grades(),
        verdict="revise",
        corrected_answer="ZEBRA-CORRECTION call 911 immediately",
        rationale="QUOKKA-RATIONALE the answer delays care",
    )
    second = lease(second_cardiologist, project)
    assert second.sample == sample

    html = signed_in(client, second_cardiologist).get(f"/review/{second.pk}/").content.decode()

    assert "ZEBRA-CORRECTION" not in html
    assert "QUOKKA-RATIONALE" not in html
    assert "Alice" not in html
    assert cardiologist.user.email not in html
    assert "reviews_done" not in html and "slots" not in html.lower()
    # Nothing chosen: the first reviewer's grades do not leak as defaults.
    assert " checked" not in html
    assert "gold" not in html.lower()


def test_gold_item_looks_like_any_other(client, cardiologist, project):
    SampleFactory(
        project=project,
        is_gold=True,
        gold_grades={"accurate": True},
        metadata={"source": "gold-set"},
    )
    project.gold_rate = 1.0
    project.save()
    assignment = lease(cardiologist, project)
    assert assignment.sample.is_gold
    html = signed_in(client, cardiologist).get(f"/review/{assignment.pk}/").content.decode()
    assert "gold" not in html.lower()


# --- Script injection from sample text -----------------------------------------------------------

XSS = (
    '<script>alert("pwned")</script> and <img src=x onerror=alert(1)> and [x](javascript:alert(2))'
)


def test_script_in_sample_text_renders_as_text(client, cardiologist, project):
    SampleFactory(
        project=project,
        messages=[{"role": "user", "content": XSS}, {"role": "assistant", "content": XSS}],
        reasoning=XSS,
        answer=XSS,
    )
    project.guidelines = XSS
    project.save()
    assignment = lease(cardiologist, project)

    html = signed_in(client, cardiologist).get(f"/review/{assignment.pk}/").content.decode()

    assert '<script>alert("pwned")' not in html
    assert "&lt;script&gt;alert(" in html
    assert not re.search(r"<img[^>]*onerror", html, re.I)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript:' not in html
    # The original answer reaches the diff script as JSON, still inert.
    assert '<script id="original-answer" type="application/json">' in html
    assert "\\u003Cscript\\u003E" in html


# --- Amending my reviews -------------------------------------------------------------------------


def test_my_reviews_lists_mine_and_amending_keeps_the_earlier_version(
    client, cardiologist, project
):
    SampleFactory(project=project)
    assignment = lease(cardiologist, project)
    review = review_submit(
        assignment_id=assignment.pk, user=cardiologist.user, grades=raw_grades(), verdict="accept"
    ).review
    signed_in(client, cardiologist)

    listing = client.get("/reviews/").content.decode()
    assert f'href="/reviews/{review.pk}/"' in listing
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert re.search(r'name="grade_completeness" value="4"[^>]* checked', page)
    assert re.search(r'name="verdict" value="accept"[^>]* checked', page)

    response = client.post(
        f"/reviews/{review.pk}/",
        {
            **GOOD_GRADES,
            "grade_completeness": "2",
            "verdict": "reject",
            "rationale": "On reflection",
        },
    )

    assert response.status_code == 302
    review.refresh_from_db()
    assert review.grades["completeness"] == 2
    assert review.verdict == "reject"
    assert review.revision == 2
    assert list(review.revisions.values_list("verdict", flat=True)) == ["accept", "reject"]


def test_a_settled_review_can_no_longer_be_amended(client, cardiologist, project):
    SampleFactory(project=project)
    assignment = lease(cardiologist, project)
    review = review_submit(
        assignment_id=assignment.pk, user=cardiologist.user, grades=raw_grades(), verdict="accept"
    ).review
    Sample.objects.filter(pk=review.sample_id).update(status=Sample.Status.SETTLED)
    signed_in(client, cardiologist)

    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert "can no longer be amended" in page
    assert "Save amendment" not in page
    response = client.post(
        f"/reviews/{review.pk}/", {**GOOD_GRADES, "verdict": "reject", "rationale": "late"}
    )
    assert response.status_code == 409
    review.refresh_from_db()
    assert review.verdict == "accept" and review.revision == 1


# --- Pure helpers --------------------------------------------------------------------------------


def raw_grades() -> dict:
    return {"accurate": True, "completeness": 4, "urgency": "emergent", "advises_er": None}


def test_every_criterion_kind_offers_its_options_with_keys(project):
    criteria = {c.key: c for c in project.rubric.criteria.all()}
    binary = criterion_options(criteria["accurate"])
    assert [(o.value, o.hotkey) for o in binary] == [("met", "y"), ("not_met", "n")]
    ordinal = criterion_options(criteria["completeness"])
    assert [o.hotkey for o in ordinal] == ["1", "2", "3", "4", "5"]
    assert ordinal[0].label == "1 · Missing essentials"
    nominal = criterion_options(criteria["urgency"])
    assert [(o.value, o.hotkey) for o in nominal] == [
        ("emergent", "1"),
        ("urgent", "2"),
        ("routine", "3"),
    ]
    points = criterion_options(criteria["advises_er"])
    assert [(o.value, o.label, o.hotkey) for o in points] == [
        ("met", "Met (+8 points)", "y"),
        ("not_met", "Not met", "n"),
        ("na", "Not applicable", "x"),
    ]


def test_form_values_and_grades_convert_both_ways(project):
    for criterion in project.rubric.criteria.all():
        for value in [*criterion.categories(), *([None] if criterion.allow_na else [])]:
            assert raw_to_grade(criterion, grade_to_raw(criterion, value)) == value


def test_a_malformed_draft_is_ignored():
    assert draft_initial(None) == ({}, {})
    assert draft_initial({"grades": [1], "verdict": 3, "rationale": "ok"}) == (
        {"rationale": "ok"},
        {},
    )


def test_markdown_keeps_formatting_and_drops_active_content():
    assert markdown_render("**bold** <5 mg") == "<p><strong>bold</strong> &lt;5 mg</p>"
    assert "<a " not in markdown_render('<a href="#" onclick="x()">a</a>')
    assert "javascript" not in markdown_render("[a](javascript:alert(1))")
    assert markdown_render("") == ""
    assert words_count("one two\nthree ") == 3


def test_only_images_from_the_project_allow_list_are_shown():
    images = sample_images(
        [
            "https://x.org/a.png",
            {"url": "/media/b.png", "alt": "ECG"},
            "javascript:alert(1)",
            7,
            "scans/ct-head.png",
            "https://tracker.example.com/pixel.gif?who=me",
            "//x.org/protocol-relative.png",
            "data:image/png;base64,iVBORw0KGgo=",
        ],
        allowed_hosts=["x.org"],
    )
    assert images == [
        {"url": "https://x.org/a.png", "alt": "Image 1 attached to the sample", "path": None},
        {"url": None, "alt": "ECG", "path": "/media/b.png"},
        {"url": None, "alt": "Image 5 attached to the sample", "path": "scans/ct-head.png"},
        {
            "url": None,
            "alt": "Image 6 attached to the sample",
            "path": None,
            "host": "tracker.example.com",
        },
        {
            "url": "data:image/png;base64,iVBORw0KGgo=",
            "alt": "Image 8 attached to the sample",
            "path": None,
        },
    ]


def test_an_image_host_off_the_allow_list_is_never_requested(client, cardiologist, project):
    """An imported image URL is a request from the physician's browser: tracking, or a GET to
    the app itself. Only the project's hosts are loaded, and the page's CSP says so too."""
    SampleFactory(
        project=project,
        images=[
            "https://tracker.example.com/pixel.gif?case=1",
            "/projects/chest-pain/next/",
            "https://imaging.hospital.example/ct.png",
        ],
    )
    project.image_hosts = ["imaging.hospital.example"]
    project.save()
    assignment = lease(cardiologist, project)
    response = signed_in(client, cardiologist).get(f"/review/{assignment.pk}/")
    html = response.content.decode()
    assert 'src="https://imaging.hospital.example/ct.png"' in html
    assert "tracker.example.com/pixel" not in html
    assert 'src="/projects/' not in html and 'href="/projects/chest-pain/next/"' not in html
    assert "tracker.example.com is not on this project's image allow-list" in html
    policy = response["Content-Security-Policy"]
    img_src = next(d for d in policy.split(";") if d.strip().startswith("img-src")).split()
    assert "https://imaging.hospital.example" in img_src
    assert not any("tracker" in source or source == "*" for source in img_src)


def test_durations_read_as_a_person_would_say_them():
    assert duration_filter(None) == "—"
    assert duration_filter(42.4) == "42 s"
    assert duration_filter(80) == "1 min 20 s"
    assert duration_filter(3720) == "1 h 2 min"


def test_my_work_and_my_reviews_take_the_same_queries_for_more_rows(
    client, cardiologist, cohort, project
):
    signed_in(client, cardiologist)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def add_reviewed_project(n: int) -> None:
        other = ProjectFactory(slug=f"p-{n}", cohorts=[cohort])
        SampleFactory(project=other)
        review_submit(
            assignment_id=lease(cardiologist, other).pk,
            user=cardiologist.user,
            grades=raw_grades(),
            verdict="accept",
        )

    add_reviewed_project(0)
    before = queries("/"), queries("/reviews/")
    for n in range(1, 5):
        add_reviewed_project(n)
    assert (queries("/"), queries("/reviews/")) == before
