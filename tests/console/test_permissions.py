"""Who may open each admin console page: the role matrix, page by page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotators.models import Cohort, Physician
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(project, other_project, cardiologist, cohort):
    """Every GET page of the console, with the page's URL."""
    return {
        "home": reverse("console"),
        "projects": reverse("console-projects"),
        "project": reverse("console-project", args=[project.slug]),
        "other project": reverse("console-project", args=[other_project.slug]),
        "physicians": reverse("console-physicians"),
        "physician": reverse("console-physician", args=[cardiologist.pk]),
        "invite": reverse("console-physician-invite"),
        "import": reverse("console-physicians-import"),
        "cohorts": reverse("console-cohorts"),
        "cohort": reverse("console-cohort", args=[cohort.slug]),
        "new cohort": reverse("console-cohort-new"),
        "workload": reverse("console-workload"),
        "audit": reverse("console-audit"),
    }


@pytest.fixture
def posts(project, cardiologist, cohort):
    """Every write the console takes, with a body that would succeed for staff."""
    pk, slug = cardiologist.pk, cohort.slug
    return [
        (reverse("console-project-pause", args=[project.slug]), {}),
        (reverse("console-project-resume", args=[project.slug]), {}),
        (reverse("console-project-cap", args=[project.slug]), {"cap": "1"}),
        (reverse("console-physician-suspend", args=[pk]), {"reason": "test"}),
        (reverse("console-physician-reinstate", args=[pk]), {}),
        (reverse("console-physician-resend", args=[pk]), {}),
        (reverse("console-physician-cap", args=[pk]), {"cap": "1"}),
        (
            reverse("console-physician-verify", args=[pk]),
            {"licence_number": "X1", "jurisdiction": "NY", "note": "register"},
        ),
        (reverse("console-physician-invite"), {"email": "x@rounds.test", "name": "X Y"}),
        (reverse("console-cohort-new"), {"name": "Sneaky"}),
        (reverse("console-cohort-rename", args=[slug]), {"name": "Renamed"}),
        (reverse("console-cohort-archive", args=[slug]), {"archived": "1"}),
        (reverse("console-cohort-member-add", args=[slug]), {"email": "x@rounds.test"}),
        (reverse("console-cohort-member-remove", args=[slug, pk]), {}),
    ]


def test_signed_out_visitor_is_sent_to_sign_in_from_every_page(client, pages):
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login") + "?next="), name


def test_physician_gets_forbidden_on_every_page_and_every_write(
    client, cardiologist, pages, posts, project
):
    client.force_login(cardiologist.user)
    for name, url in pages.items():
        assert client.get(url).status_code in (403, 404), name
    events = AuditEvent.objects.count()
    for url, data in posts:
        assert client.post(url, data).status_code in (403, 404), url
    assert AuditEvent.objects.count() == events
    project.refresh_from_db()
    assert project.status == "active"
    cardiologist.refresh_from_db()
    assert cardiologist.status == Physician.Status.ACTIVE
    assert not Cohort.objects.filter(name="Sneaky").exists()


def test_cohort_lead_is_no_admin(client, lead, pages):
    client.force_login(lead.user)
    for name, url in pages.items():
        assert client.get(url).status_code in (403, 404), name


def test_project_admin_sees_only_their_projects(client, project_admin, pages, project):
    client.force_login(project_admin)
    response = client.get(pages["projects"])
    assert response.status_code == 200
    assert project.name in response.content.decode()
    assert "Sepsis screening" not in response.content.decode()
    assert client.get(pages["project"]).status_code == 200
    assert client.get(pages["other project"]).status_code == 404
    for name in ("physicians", "physician", "invite", "import", "cohorts", "cohort", "workload"):
        assert client.get(pages[name]).status_code == 403, name
    assert client.get(pages["audit"]).status_code == 403


def test_project_admin_cannot_pause_a_project_they_do_not_run(client, project_admin, other_project):
    client.force_login(project_admin)
    response = client.post(reverse("console-project-pause", args=[other_project.slug]))
    assert response.status_code == 404
    other_project.refresh_from_db()
    assert other_project.status == "active"


def test_missing_and_forbidden_project_look_the_same(client, project_admin, other_project):
    client.force_login(project_admin)
    missing = client.get(reverse("console-project", args=["no-such-project"]))
    forbidden = client.get(reverse("console-project", args=[other_project.slug]))
    assert missing.status_code == forbidden.status_code == 404


def test_staff_opens_every_page(client, admin, pages):
    client.force_login(admin)
    for name, url in pages.items():
        response = client.get(url, follow=name == "home")
        assert response.status_code == 200, name


def test_console_link_shows_for_admins_only(client, admin, project_admin, cardiologist):
    client.force_login(cardiologist.user)
    assert 'href="/console/"' not in client.get("/").content.decode()
    client.force_login(project_admin)
    assert 'href="/console/"' in client.get("/").content.decode()
    client.force_login(admin)
    assert 'href="/console/"' in client.get("/").content.decode()


def test_missing_physician_and_cohort_are_not_found_for_staff(client, admin):
    client.force_login(admin)
    assert client.get(reverse("console-physician", args=[999999])).status_code == 404
    assert client.get(reverse("console-cohort", args=["nope"])).status_code == 404
