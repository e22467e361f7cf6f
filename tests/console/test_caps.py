"""Daily and per-project caps: set from the console, audited, and enforced with the reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.errors import DomainError
from core.models import AuditEvent
from curation.reviewing.assignment import assignment_next
from tests.console.conftest import review
from tests.factories import SampleFactory

pytestmark = pytest.mark.django_db


def test_admin_sets_a_daily_cap_from_the_physician_page(client, admin, cardiologist):
    client.force_login(admin)
    url = reverse("console-physician-cap", args=[cardiologist.pk])
    response = client.post(url, {"cap": "2"}, follow=True)
    assert "now has a daily cap of 2 reviews" in response.content.decode()
    cardiologist.refresh_from_db()
    assert cardiologist.daily_cap == 2
    event = AuditEvent.objects.get(action="physician.daily_cap_set")
    assert (event.before, event.after, event.actor) == (
        {"daily_cap": None},
        {"daily_cap": 2},
        admin,
    )
    client.post(url, {"cap": "2"})
    assert AuditEvent.objects.filter(action="physician.daily_cap_set").count() == 1


def test_a_negative_cap_is_refused_and_named(client, admin, cardiologist):
    client.force_login(admin)
    url = reverse("console-physician-cap", args=[cardiologist.pk])
    response = client.post(url, {"cap": "-1"}, follow=True)
    assert "Cap: Ensure this value is greater than or equal to 0." in response.content.decode()
    cardiologist.refresh_from_db()
    assert cardiologist.daily_cap is None


def test_physician_at_their_daily_cap_gets_no_more_samples_today(
    client, admin, cardiologist, project
):
    SampleFactory.create_batch(3, project=project)
    client.force_login(admin)
    client.post(reverse("console-physician-cap", args=[cardiologist.pk]), {"cap": "1"})
    review(cardiologist, project)

    with pytest.raises(DomainError) as refused:
        assignment_next(user=cardiologist.user, project=project).assignment
    assert refused.value.code == "cap_reached"

    client.force_login(cardiologist.user)
    response = client.post(reverse("project-next", args=[project.slug]))
    assert response.status_code == 409
    page = response.content.decode()
    assert "You have reached your daily cap of 1 reviews; no more samples today." in page


def test_workload_page_shows_the_physician_at_their_cap(client, admin, cardiologist, project):
    SampleFactory.create_batch(2, project=project)
    cardiologist.daily_cap = 1
    cardiologist.save()
    review(cardiologist, project)
    client.force_login(admin)
    page = client.get(reverse("console-workload")).content.decode()
    assert f'data-testid="load-{cardiologist.pk}">1 / 1 <span class="tag">at cap</span>' in page


def test_project_admin_sets_their_projects_cap_and_it_is_enforced(
    client, project_admin, cardiologist, project
):
    SampleFactory.create_batch(3, project=project)
    client.force_login(project_admin)
    response = client.post(
        reverse("console-project-cap", args=[project.slug]), {"cap": "1"}, follow=True
    )
    assert "at most 1 reviews per physician" in response.content.decode()
    event = AuditEvent.objects.get(action="project.cap_set")
    assert event.after == {"per_physician_cap": 1}
    project.refresh_from_db()
    review(cardiologist, project)

    client.force_login(cardiologist.user)
    response = client.post(reverse("project-next", args=[project.slug]))
    assert response.status_code == 409
    assert "reached this project&#x27;s cap of 1 reviews" in response.content.decode()


def test_emptying_a_cap_removes_it(client, admin, project):
    project.per_physician_cap = 5
    project.save()
    client.force_login(admin)
    client.post(reverse("console-project-cap", args=[project.slug]), {"cap": ""})
    project.refresh_from_db()
    assert project.per_physician_cap is None
