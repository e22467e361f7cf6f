"""The pages' side of undo and of My work's reasons (the browser tests drive the same by keys)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from curation.models import Assignment, Review
from curation.reviewing.assignment import assignment_next
from tests.curation.test_pages import post_review, signed_in
from tests.factories import SampleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_after_a_submit_the_next_page_offers_undo_and_undo_reopens_the_sample(
    client, cardiologist, project
):
    SampleFactory.create_batch(2, project=project)
    signed_in(client, cardiologist)
    first = assignment_next(user=cardiologist.user, project=project).assignment
    page = client.get(reverse("review", args=[first.pk]))
    assert b"Undo that review" not in page.content

    response = post_review(client, first)
    assert response.status_code == 302
    nxt = client.get(response.url, follow=True)
    assert b"Undo that review" in nxt.content

    undone = client.post(reverse("review-undo"))
    assert undone.status_code == 302 and undone.url == reverse("review", args=[first.pk])
    assert not Review.objects.exists()
    reopened = client.get(undone.url)
    assert b"Review undone" in reopened.content
    assert b"Undo that review" not in reopened.content
    assert Assignment.objects.get(pk=first.pk).status == Assignment.Status.LEASED


def test_undo_with_nothing_to_undo_says_so_on_my_work(client, cardiologist, project):
    signed_in(client, cardiologist)
    response = client.post(reverse("review-undo"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"There is nothing to undo." in response.content


def test_my_work_tells_an_admin_without_a_physician_profile_why_not(client, project):
    client.force_login(UserFactory(is_staff=True))
    page = client.get(reverse("home")).content.decode()
    assert "no physician profile" in page
    assert project.name in page
    assert reverse("project-next", args=[project.slug]) not in page
