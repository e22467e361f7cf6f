"""Blindness holds for everyone who reviews: being a project admin, a lead or staff never lifts it.

The other reviews of a sample are shown only once it is in adjudication or settled, and never to
someone holding a live lease on it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from curation.models import Assignment, Sample
from tests.factories import PhysicianFactory, SampleFactory, UserFactory, join

from .conftest import record_review

SECRET = "Unsafe advice; the pain radiates to the left arm."


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def live_lease(sample: Sample, user) -> Assignment:
    now = timezone.now()
    return Assignment.objects.create(
        project=sample.project,
        sample=sample,
        reviewer=user,
        served_at=now,
        expires_at=now + timedelta(hours=1),
    )


def reviewed_by_a_peer(sample: Sample, peer) -> None:
    review = record_review(sample, peer, verdict="reject")
    review.rationale = SECRET
    review.save(update_fields=["rationale"])


@pytest.fixture
def admin_reviewer(db, cohort, project):
    """A physician of the panel who also administers the project."""
    physician = PhysicianFactory(user__username="ada@rounds.test", specialties=["cardiology"])
    join(cohort, physician)
    project.admins.add(physician.user)
    return physician


@pytest.fixture
def staff_reviewer(db, cohort):
    physician = PhysicianFactory(
        user__username="sam@rounds.test", user__is_staff=True, specialties=["cardiology"]
    )
    join(cohort, physician)
    return physician


def assert_blind(user, sample: Sample) -> None:
    response = api(user).get(f"/api/adjudication/{sample.pk}/")
    assert response.status_code == 404, response.content
    assert SECRET not in response.content.decode()
    response = page(user).get(f"/adjudication/{sample.pk}/")
    assert response.status_code == 404
    assert SECRET not in response.content.decode()


def test_a_project_admin_holding_a_lease_cannot_read_the_other_reviews(
    admin_reviewer, second_cardiologist, make_sample
):
    sample = make_sample()
    reviewed_by_a_peer(sample, second_cardiologist)
    live_lease(sample, admin_reviewer.user)
    assert_blind(admin_reviewer.user, sample)


def test_a_project_admin_cannot_read_reviews_of_an_open_sample_at_all(
    admin_reviewer, second_cardiologist, make_sample
):
    sample = make_sample()
    reviewed_by_a_peer(sample, second_cardiologist)
    assert_blind(admin_reviewer.user, sample)


def test_staff_holding_a_lease_cannot_read_the_other_reviews(
    staff_reviewer, second_cardiologist, make_sample
):
    sample = make_sample()
    reviewed_by_a_peer(sample, second_cardiologist)
    live_lease(sample, staff_reviewer.user)
    assert_blind(staff_reviewer.user, sample)
    listed = api(staff_reviewer.user).get("/api/reviews/").content.decode()
    assert SECRET not in listed


def test_staff_do_not_read_others_reviews_of_an_open_sample_through_the_review_api(
    admin, second_cardiologist, make_sample
):
    sample = make_sample()
    reviewed_by_a_peer(sample, second_cardiologist)
    review = sample.reviews.get()
    assert SECRET not in api(admin).get("/api/reviews/").content.decode()
    assert api(admin).get(f"/api/reviews/{review.pk}/").status_code == 404
    assert page(admin).get(f"/reviews/{review.pk}/").status_code == 404


def test_a_live_lease_hides_the_reviews_even_in_adjudication(
    lead, second_cardiologist, make_sample
):
    sample = make_sample()
    reviewed_by_a_peer(sample, second_cardiologist)
    Sample.objects.filter(pk=sample.pk).update(status=Sample.Status.ADJUDICATION)
    live_lease(sample, lead.user)
    assert_blind(lead.user, sample)


def test_once_in_adjudication_the_project_admin_reads_the_reviews(
    admin_reviewer, second_cardiologist, make_sample
):
    sample = make_sample()
    reviewed_by_a_peer(sample, second_cardiologist)
    Sample.objects.filter(pk=sample.pk).update(status=Sample.Status.ADJUDICATION)
    response = api(admin_reviewer.user).get(f"/api/adjudication/{sample.pk}/")
    assert response.status_code == 200
    assert SECRET in response.content.decode()
    assert SECRET in page(admin_reviewer.user).get(f"/adjudication/{sample.pk}/").content.decode()


def test_a_project_admin_without_a_physician_profile_reads_settled_reviews(
    second_cardiologist, make_sample, project
):
    owner = UserFactory(username="owner@rounds.test")
    project.admins.add(owner)
    sample = make_sample()
    reviewed_by_a_peer(sample, second_cardiologist)
    Sample.objects.filter(pk=sample.pk).update(status=Sample.Status.SETTLED)
    assert api(owner).get(f"/api/adjudication/{sample.pk}/").status_code == 200


def test_staff_do_not_read_another_physicians_draft(admin, cardiologist, project):
    from curation.reviewing.assignment import assignment_next
    from curation.reviewing.reviews import review_draft_save

    SampleFactory(project=project)
    lease = assignment_next(user=cardiologist.user, project=project).assignment
    review_draft_save(assignment=lease, user=cardiologist.user, payload={"rationale": SECRET})
    assert api(admin).get(f"/api/assignments/{lease.pk}/").json()["draft"] is None
    assert SECRET not in page(admin).get(f"/review/{lease.pk}/").content.decode()
    own = api(cardiologist.user).get(f"/api/assignments/{lease.pk}/").json()["draft"]
    assert own["rationale"] == SECRET
