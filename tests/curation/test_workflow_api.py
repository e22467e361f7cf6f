"""The reviewer workflow over REST: next, submit, amend, skip, drafts; blind and permissioned."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from annotators.models import Physician
from core.tokens import api_token_create
from curation.models import Assignment, Project, Review, Sample
from curation.reviewing.assignment import assignment_next
from curation.reviewing.reviews import review_submit
from tests import factories
from tests.curation.workflow_helpers import grades, samples
from tests.factories import SampleFactory

pytestmark = pytest.mark.django_db

GOLD = {"accurate": True, "completeness": 5, "urgency": "emergent", "advises_er": True}
FORBIDDEN_KEYS = {
    "is_gold",
    "gold_grades",
    "reviews_done",
    "slots_open",
    "reviewer",
    "reviewers",
    "final_grades",
    "final_verdict",
    "metadata",
}


def client_for(physician_or_user) -> APIClient:
    user = getattr(physician_or_user, "user", physician_or_user)
    client = APIClient()
    client.force_authenticate(user)
    return client


def keys_of(value) -> set[str]:
    """Every key anywhere in a JSON document."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


def submit_body(**kwargs) -> dict:
    return {"grades": grades(), "verdict": "accept"} | kwargs


def test_my_projects_show_my_progress_and_what_is_left(cardiologist, project, outsider):
    samples(project, 4)
    client = client_for(cardiologist)
    lease = client.post(f"/api/projects/{project.slug}/next/").json()
    client.post(f"/api/assignments/{lease['id']}/submit/", submit_body(), format="json")
    client.post(f"/api/projects/{project.slug}/next/")
    [row] = client.get("/api/projects/").json()["results"]
    assert row["slug"] == project.slug
    assert (row["my_done"], row["my_leased"], row["remaining"]) == (1, 1, 2)
    assert client_for(outsider).get("/api/projects/").json()["results"] == []


def test_project_detail_carries_guidelines_and_rubric(cardiologist, project, outsider):
    Project.objects.filter(pk=project.pk).update(guidelines="# Read me\nBe kind.")
    body = client_for(cardiologist).get(f"/api/projects/{project.slug}/").json()
    assert body["guidelines"].startswith("# Read me")
    assert [c["key"] for c in body["rubric"]["criteria"]] == [
        "accurate",
        "completeness",
        "urgency",
        "advises_er",
    ]
    missing = client_for(outsider).get(f"/api/projects/{project.slug}/")
    nowhere = client_for(outsider).get("/api/projects/no-such-project/")
    assert missing.status_code == nowhere.status_code == 404
    assert missing.json() == nowhere.json()


def test_next_returns_201_with_the_sample_then_200_for_the_same_lease(cardiologist, project):
    [sample] = samples(project, 1, reasoning="one two three four")
    client = client_for(cardiologist)
    first = client.post(f"/api/projects/{project.slug}/next/")
    assert first.status_code == 201
    body = first.json()
    assert body["sample"]["external_id"] == sample.external_id
    assert body["sample"]["messages"] == sample.messages
    assert body["sample"]["reasoning_words"] == 4
    assert body["sample"]["specialty"] == {"code": "cardiology", "name": "Cardiovascular Disease"}
    assert body["sample"]["guidelines_url"].startswith(f"/api/projects/{project.slug}/")
    again = client.post(f"/api/projects/{project.slug}/next/")
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]


@pytest.mark.parametrize("specialty", ["cardiology", None])
def test_next_answers_exactly_what_the_assignment_shows_when_read_back(
    cardiologist, project, specialty
):
    """The fast path answers from what its statement returned, not from a second read."""
    project.specialty_match = False
    project.save()
    samples(project, 1, specialty=factories.specialty(specialty) if specialty else None)
    client = client_for(cardiologist)
    pulled = client.post(f"/api/projects/{project.slug}/next/")
    assert pulled.status_code == 201
    read_back = client.get(f"/api/assignments/{pulled.json()['id']}/")
    assert pulled.json() == read_back.json()


def test_next_answers_204_when_nothing_is_left(cardiologist, project):
    response = client_for(cardiologist).post(f"/api/projects/{project.slug}/next/")
    assert response.status_code == 204


def test_next_at_the_cap_answers_409_with_the_reason(cardiologist, project):
    samples(project, 2)
    Physician.objects.filter(pk=cardiologist.pk).update(daily_cap=0)
    response = client_for(cardiologist).post(f"/api/projects/{project.slug}/next/")
    assert response.status_code == 409
    body = response.json()
    assert body["errors"][0]["code"] == "cap_reached"
    assert "daily cap of 0 reviews; no more samples today" in body["detail"]


def test_next_on_a_paused_project_answers_409(cardiologist, project):
    Project.objects.filter(pk=project.pk).update(status=Project.Status.PAUSED)
    response = client_for(cardiologist).post(f"/api/projects/{project.slug}/next/")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "project_paused"


def test_a_suspended_physician_is_told_why_and_cannot_pull_or_submit(cardiologist, project):
    samples(project, 1)
    client = client_for(cardiologist)
    lease = client.post(f"/api/projects/{project.slug}/next/").json()
    Physician.objects.filter(pk=cardiologist.pk).update(
        status=Physician.Status.SUSPENDED, status_reason="licence lapsed"
    )
    pulled = client.post(f"/api/projects/{project.slug}/next/")
    submitted = client.post(f"/api/assignments/{lease['id']}/submit/", submit_body(), format="json")
    for response in (pulled, submitted):
        assert response.status_code == 403
        assert "suspended" in response.json()["detail"]
        assert "licence lapsed" in response.json()["detail"]
    assert not Review.objects.exists()
    # They can still read their own history.
    assert client.get("/api/assignments/").status_code == 200


def test_submit_is_201_then_200_for_the_same_idempotency_key(cardiologist, project):
    samples(project, 1)
    client = client_for(cardiologist)
    lease = client.post(f"/api/projects/{project.slug}/next/").json()
    url = f"/api/assignments/{lease['id']}/submit/"
    first = client.post(url, submit_body(), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = client.post(url, submit_body(), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    review = Review.objects.get()
    assert review.source == Review.Source.API and review.client_key == "abc-1"


def test_submit_with_client_key_in_the_body(cardiologist, project):
    samples(project, 1)
    client = client_for(cardiologist)
    lease = client.post(f"/api/projects/{project.slug}/next/").json()
    url = f"/api/assignments/{lease['id']}/submit/"
    body = submit_body(client_key="body-key")
    assert client.post(url, body, format="json").status_code == 201
    assert client.post(url, body, format="json").status_code == 200
    assert Review.objects.count() == 1


def test_submit_errors_name_each_criterion(cardiologist, project):
    samples(project, 1)
    client = client_for(cardiologist)
    lease = client.post(f"/api/projects/{project.slug}/next/").json()
    response = client.post(
        f"/api/assignments/{lease['id']}/submit/",
        {"grades": grades(completeness=7, urgency="soon"), "verdict": "revise"},
        format="json",
    )
    assert response.status_code == 400
    by_field = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert by_field["grades.completeness"] == "must be from 1 to 5, got 7"
    assert by_field["grades.urgency"].startswith("must be one of emergent, urgent, routine")
    assert by_field["corrected_answer"] == "is required when the verdict is revise"
    assert by_field["rationale"] == "is required when the verdict is revise"


def test_skip_and_draft_over_the_api(cardiologist, project):
    samples(project, 2)
    client = client_for(cardiologist)
    lease = client.post(f"/api/projects/{project.slug}/next/").json()
    draft = client.put(
        f"/api/assignments/{lease['id']}/draft/",
        {"payload": {"grades": {"accurate": True}, "rationale": "half-wr"}},
        format="json",
    )
    assert draft.status_code == 200
    detail = client.get(f"/api/assignments/{lease['id']}/").json()
    assert detail["draft"] == {"grades": {"accurate": True}, "rationale": "half-wr"}
    bad = client.post(f"/api/assignments/{lease['id']}/skip/", {"reason": "tired"}, format="json")
    assert bad.status_code == 400
    skipped = client.post(
        f"/api/assignments/{lease['id']}/skip/",
        {"reason": "needs_context", "note": "No vitals given."},
        format="json",
    )
    assert skipped.status_code == 200
    assert skipped.json()["status"] == "skipped"
    assert skipped.json()["skip_reason"] == "needs_context"
    nxt = client.post(f"/api/projects/{project.slug}/next/").json()
    assert nxt["sample"]["id"] != lease["sample"]["id"]


def test_amend_with_put_and_patch_until_settled(cardiologist, project):
    samples(project, 1)
    client = client_for(cardiologist)
    lease = client.post(f"/api/projects/{project.slug}/next/").json()
    review = client.post(
        f"/api/assignments/{lease['id']}/submit/", submit_body(), format="json"
    ).json()
    url = f"/api/reviews/{review['id']}/"
    put = client.put(url, submit_body(grades=grades(completeness=2)), format="json")
    assert put.status_code == 200 and put.json()["revision"] == 2
    patch = client.patch(
        url, {"verdict": "reject", "rationale": "Dangerous advice."}, format="json"
    )
    assert patch.status_code == 200
    body = patch.json()
    assert (body["revision"], body["verdict"], body["grades"]["completeness"]) == (3, "reject", 2)
    assert [r["revision"] for r in body["revisions"]] == [1, 2, 3]
    Sample.objects.filter(pk=lease["sample"]["id"]).update(status=Sample.Status.SETTLED)
    refused = client.patch(url, {"grades": {"completeness": 1}}, format="json")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "settled"


def test_lists_show_only_my_assignments_and_reviews(cardiologist, second_cardiologist, project):
    samples(project, 2)
    for physician in (cardiologist, second_cardiologist):
        lease = assignment_next(user=physician.user, project=project).assignment
        review_submit(
            assignment_id=lease.pk, user=physician.user, grades=grades(), verdict="accept"
        )
    mine = client_for(cardiologist)
    assignments = mine.get("/api/assignments/").json()["results"]
    reviews = mine.get("/api/reviews/").json()["results"]
    assert len(assignments) == len(reviews) == 1
    assert Assignment.objects.get(pk=assignments[0]["id"]).reviewer == cardiologist.user
    live = mine.get("/api/assignments/?status=live").json()["results"]
    assert live == []


def test_second_reviewer_cannot_see_first_review(cardiologist, second_cardiologist, project):
    [sample] = samples(project, 1)
    first = assignment_next(user=cardiologist.user, project=project).assignment
    review = review_submit(
        assignment_id=first.pk,
        user=cardiologist.user,
        grades=grades(),
        verdict="reject",
        rationale="SECRET-RATIONALE-OF-ALICE",
    ).review
    bob = client_for(second_cardiologist)
    pulled = bob.post(f"/api/projects/{project.slug}/next/")
    assert pulled.status_code == 201
    responses = [
        pulled,
        bob.get(f"/api/assignments/{pulled.json()['id']}/"),
        bob.get("/api/assignments/"),
        bob.get("/api/reviews/"),
        bob.get("/api/projects/"),
        bob.get(f"/api/projects/{project.slug}/"),
    ]
    for response in responses:
        text = response.content.decode()
        assert "SECRET-RATIONALE-OF-ALICE" not in text
        assert "alice@rounds.test" not in text
        assert "Alice" not in text
        assert not keys_of(json.loads(text)) & FORBIDDEN_KEYS
    assert bob.get(f"/api/reviews/{review.pk}/").status_code == 404
    assert bob.get(f"/api/assignments/{first.pk}/").status_code == 404
    assert bob.patch(f"/api/reviews/{review.pk}/", {"verdict": "accept"}).status_code == 404
    assert (
        bob.post(f"/api/assignments/{first.pk}/submit/", submit_body(), format="json").status_code
        == 404
    )
    assert pulled.json()["sample"]["id"] == sample.pk


def test_a_gold_item_looks_like_any_other(cardiologist, project):
    Project.objects.filter(pk=project.pk).update(gold_rate=1.0)
    SampleFactory(project=project, is_gold=True, gold_grades=GOLD, metadata={"gold": True})
    body = client_for(cardiologist).post(f"/api/projects/{project.slug}/next/").json()
    assert not keys_of(body) & FORBIDDEN_KEYS
    assert "gold" not in json.dumps(body).lower()


def test_token_authentication_works_for_the_workflow(cardiologist, project):
    samples(project, 1)
    _, key = api_token_create(user=cardiologist.user, name="pipeline")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.post(f"/api/projects/{project.slug}/next/").status_code == 201


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/projects/"),
        ("get", "/api/projects/chest-pain/"),
        ("post", "/api/projects/chest-pain/next/"),
        ("get", "/api/assignments/"),
        ("get", "/api/assignments/1/"),
        ("post", "/api/assignments/1/skip/"),
        ("post", "/api/assignments/1/submit/"),
        ("put", "/api/assignments/1/draft/"),
        ("get", "/api/reviews/"),
        ("get", "/api/reviews/1/"),
        ("patch", "/api/reviews/1/"),
        ("get", "/api/review-stats/"),
    ],
)
def test_anonymous_callers_are_refused_everywhere(project, method, path):
    response = getattr(APIClient(), method)(path)
    assert response.status_code in (401, 403)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/projects/chest-pain/next/"),
        ("post", "/api/assignments/1/submit/"),
        ("post", "/api/assignments/1/skip/"),
        ("put", "/api/assignments/1/draft/"),
        ("patch", "/api/reviews/1/"),
    ],
)
def test_staff_without_a_physician_profile_cannot_do_review_work(admin, project, method, path):
    response = getattr(client_for(admin), method)(path, {}, format="json")
    assert response.status_code == 403
    assert "physician" in response.json()["detail"]


def test_staff_read_any_assignment_and_a_review_once_its_sample_is_settled(
    admin, cardiologist, project
):
    samples(project, 1)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    review = review_submit(
        assignment_id=lease.pk, user=cardiologist.user, grades=grades(), verdict="accept"
    ).review
    staff = client_for(admin)
    assert staff.get(f"/api/assignments/{lease.pk}/").status_code == 200
    assert staff.get(f"/api/reviews/{review.pk}/").status_code == 404  # still blind
    Sample.objects.filter(pk=review.sample_id).update(status=Sample.Status.SETTLED)
    assert staff.get(f"/api/reviews/{review.pk}/").status_code == 200
    assert [p["slug"] for p in staff.get("/api/projects/").json()["results"]] == [project.slug]


def test_a_user_without_physician_profile_or_staff_sees_nothing(project):
    from tests.factories import UserFactory

    client = client_for(UserFactory())
    assert client.get("/api/projects/").status_code == 403


def test_my_stats(cardiologist, project):
    samples(project, 2)
    gold = SampleFactory(project=project, is_gold=True, gold_grades=GOLD)
    for _ in range(2):
        lease = assignment_next(user=cardiologist.user, project=project).assignment
        review_submit(
            assignment_id=lease.pk,
            user=cardiologist.user,
            grades=grades(),
            verdict="accept",
            time_on_task_ms=30_000,
        )
    Project.objects.filter(pk=project.pk).update(gold_rate=1.0)
    project.refresh_from_db()
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    assert lease.sample_id == gold.pk
    review_submit(
        assignment_id=lease.pk,
        user=cardiologist.user,
        grades=grades(),
        verdict="accept",
        time_on_task_ms=60_000,
    )
    stats = client_for(cardiologist).get("/api/review-stats/").json()
    # grades() matches 2 of the 4 reference grades (accurate, urgency).
    assert stats == {
        "today": 3,
        "total": 3,
        "median_seconds": 30.0,
        "gold_accuracy": 0.5,
        "gold_scored": 1,
    }


def test_the_schema_documents_the_workflow(admin):
    response = client_for(admin).get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/projects/{slug}/next/" in paths
    submit = paths["/api/assignments/{id}/submit/"]["post"]
    assert "requestBody" in submit and {"200", "201", "400"} <= set(submit["responses"])


def test_lists_cost_the_same_number_of_queries_for_one_row_or_many(
    cardiologist, project, django_assert_max_num_queries
):
    samples(project, 8)
    client = client_for(cardiologist)

    def work(n: int) -> None:
        for _ in range(n):
            lease = assignment_next(user=cardiologist.user, project=project).assignment
            review_submit(
                assignment_id=lease.pk, user=cardiologist.user, grades=grades(), verdict="accept"
            )

    work(1)
    with CaptureQueriesContext(connection) as one:
        client.get("/api/assignments/")
        client.get("/api/reviews/")
        client.get("/api/projects/")
    work(5)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get("/api/assignments/").json()["results"]) == 6
        assert len(client.get("/api/reviews/").json()["results"]) == 6
        client.get("/api/projects/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "action"), [("post", "skip"), ("post", "submit"), ("put", "draft")]
)
def test_someone_elses_assignment_is_not_found_even_with_a_bad_body(
    method, action, project, cardiologist, second_cardiologist
):
    SampleFactory(project=project)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    client = APIClient()
    client.force_authenticate(second_cardiologist.user)
    response = getattr(client, method)(f"/api/assignments/{lease.pk}/{action}/", {}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/assignments/?project=chest%00pain",
        "/api/assignments/?status=leas%00ed",
        "/api/assignments/?status=finished",
        "/api/reviews/?project=chest%00pain",
        "/api/review-stats/?project=chest%00pain",
    ],
)
def test_a_malformed_list_filter_is_a_400_naming_it(cardiologist, project, path):
    response = client_for(cardiologist).get(path)
    assert response.status_code == 400, response.content
    assert path.split("?")[1].split("=")[0] in response.json()


def test_an_empty_project_filter_still_lists_everything(cardiologist, project):
    SampleFactory(project=project)
    assignment_next(user=cardiologist.user, project=project).assignment
    response = client_for(cardiologist).get("/api/assignments/?project=&status=")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_a_draft_with_a_null_character_is_a_400_naming_where(cardiologist, project):
    SampleFactory(project=project)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    response = client_for(cardiologist).put(
        f"/api/assignments/{lease.pk}/draft/",
        {"payload": {"rationale": "chest\u0000pain"}},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "payload.rationale"


def test_a_time_on_task_beyond_the_column_is_a_400_not_a_500(cardiologist, project):
    SampleFactory(project=project)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    response = client_for(cardiologist).post(
        f"/api/assignments/{lease.pk}/submit/",
        submit_body(time_on_task_ms=99_999_999_999_999),
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "time_on_task_ms" in response.json()


@pytest.mark.parametrize("key", ["retry\u0000one", "k" * 101])
def test_a_malformed_idempotency_key_header_is_a_400_naming_it(cardiologist, project, key):
    SampleFactory(project=project)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    response = client_for(cardiologist).post(
        f"/api/assignments/{lease.pk}/submit/",
        submit_body(),
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code == 400, response.content
    assert "Idempotency-Key" in response.json()
    assert not Review.objects.filter(assignment=lease).exists()


def test_submit_reads_the_rubric_once_for_validation_and_the_stored_codes(cardiologist, project):
    samples(project, 1)
    client = client_for(cardiologist)
    lease = client.post(f"/api/projects/{project.slug}/next/").json()
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            f"/api/assignments/{lease['id']}/submit/", submit_body(), format="json"
        )
    assert response.status_code == 201
    # Prepared statements are logged without their text (None); none of them reads criteria.
    sql = [q["sql"] or "" for q in ctx.captured_queries]
    criteria_reads = [q for q in sql if "FROM curation_criterion" in q.replace('"', "")]
    assert len(criteria_reads) == 1
    assert Review.objects.get().grade_codes is not None
