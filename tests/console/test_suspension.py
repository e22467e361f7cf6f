"""Suspending a physician signs them out of the queue: leases released, submits refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.errors import DomainError
from core.models import AuditEvent
from curation.models import Assignment, Review, Sample
from curation.projects.workload import assignments_release_for_user, physician_suspend_and_release
from curation.reviewing.assignment import assignment_next
from curation.reviewing.reviews import review_submit
from tests.console.conftest import GRADES, lease
from tests.factories import SampleFactory

pytestmark = pytest.mark.django_db


def test_suspension_from_the_page_returns_the_sample_to_the_queue(
    client, admin, cardiologist, project
):
    sample = SampleFactory(project=project)
    held = lease(cardiologist, project)
    sample.refresh_from_db()
    assert sample.slots_open == project.overlap - 1

    client.force_login(admin)
    url = reverse("console-physician-suspend", args=[cardiologist.pk])
    response = client.post(url, {"reason": "Licence lapsed on 1 March"}, follow=True)

    assert "is suspended; 1 sample in hand went back to the queue" in response.content.decode()
    held.refresh_from_db()
    assert held.status == Assignment.Status.EXPIRED
    sample.refresh_from_db()
    assert sample.slots_open == project.overlap
    cardiologist.refresh_from_db()
    assert (cardiologist.status, cardiologist.status_reason) == (
        "suspended",
        "Licence lapsed on 1 March",
    )
    suspended = AuditEvent.objects.get(action="physician.suspended")
    assert suspended.actor == admin
    assert suspended.after["reason"] == "Licence lapsed on 1 March"
    released = AuditEvent.objects.get(action="assignment.release")
    assert released.object_id == str(held.pk)
    assert released.after["reason"] == "suspended: Licence lapsed on 1 March"


def test_suspended_physician_cannot_submit_the_sample_they_held(admin, cardiologist, project):
    SampleFactory(project=project)
    held = lease(cardiologist, project)
    physician_suspend_and_release(physician=cardiologist, actor=admin, reason="Complaint review")

    with pytest.raises(DomainError) as refused:
        review_submit(
            assignment_id=held.pk, user=cardiologist.user, grades=GRADES, verdict="accept"
        )
    assert "suspended" in refused.value.message
    assert "Complaint review" in refused.value.message
    assert not Review.objects.exists()


def test_suspended_physician_gets_no_new_sample_and_is_told_why(
    client, admin, cardiologist, project
):
    SampleFactory(project=project)
    physician_suspend_and_release(physician=cardiologist, actor=admin, reason="Complaint review")
    with pytest.raises(DomainError, match="suspended"):
        assignment_next(user=cardiologist.user, project=project).assignment

    client.force_login(cardiologist.user)
    response = client.post(reverse("project-next", args=[project.slug]))
    assert response.status_code == 403
    assert "Your account is suspended" in response.content.decode()


def test_a_suspension_needs_a_reason(client, admin, cardiologist):
    client.force_login(admin)
    url = reverse("console-physician-suspend", args=[cardiologist.pk])
    response = client.post(url, {"reason": "  "}, follow=True)
    assert "give the reason for the suspension" in response.content.decode()
    cardiologist.refresh_from_db()
    assert cardiologist.status == "active"
    assert not AuditEvent.objects.filter(action="physician.suspended").exists()


def test_release_gives_back_every_lease_and_only_that_users(
    admin, cardiologist, second_cardiologist, project, other_project
):
    first, second = SampleFactory(project=project), SampleFactory(project=other_project)
    mine = [lease(cardiologist, project), lease(cardiologist, other_project)]
    theirs = lease(second_cardiologist, project)

    assert assignments_release_for_user(user=cardiologist.user, actor=admin) == 2
    assert assignments_release_for_user(user=cardiologist.user, actor=admin) == 0

    assert {a.status for a in Assignment.objects.filter(pk__in=[m.pk for m in mine])} == {"expired"}
    theirs.refresh_from_db()
    assert theirs.status == "leased"
    assert Sample.objects.get(pk=first.pk).slots_open == project.overlap - 1  # theirs still held
    assert Sample.objects.get(pk=second.pk).slots_open == other_project.overlap
    assert AuditEvent.objects.filter(action="assignment.release").count() == 2


def test_suspending_twice_changes_nothing_more(admin, cardiologist, project):
    SampleFactory(project=project)
    lease(cardiologist, project)
    _, released = physician_suspend_and_release(physician=cardiologist, actor=admin, reason="a")
    _, again = physician_suspend_and_release(physician=cardiologist, actor=admin, reason="b")
    assert (released, again) == (1, 0)
    cardiologist.refresh_from_db()
    assert cardiologist.status_reason == "a"
    assert AuditEvent.objects.filter(action="physician.suspended").count() == 1


def test_reinstated_physician_reviews_again(client, admin, cardiologist, project):
    SampleFactory(project=project)
    physician_suspend_and_release(physician=cardiologist, actor=admin, reason="Complaint review")
    client.force_login(admin)
    url = reverse("console-physician-reinstate", args=[cardiologist.pk])
    response = client.post(url, {"note": "Cleared by the panel"}, follow=True)
    assert "is active" in response.content.decode()
    event = AuditEvent.objects.get(action="physician.reinstated")
    assert event.after == {"status": "active", "note": "Cleared by the panel"}
    assert assignment_next(user=cardiologist.user, project=project) is not None
