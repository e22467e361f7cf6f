import pytest
from django.test import Client


def _nav_of(user) -> str:
    client = Client()
    client.force_login(user)
    html = client.get("/me/activity/").content.decode()
    return html.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]


@pytest.mark.django_db
def test_a_reviewer_sees_only_their_own_pages_in_the_navigation(cardiologist):
    nav = _nav_of(cardiologist.user)
    assert "My work" in nav and "My reviews" in nav
    assert "Adjudication" not in nav and "Console" not in nav and "Exports" not in nav


@pytest.mark.django_db
def test_a_lead_finds_the_adjudication_queue(lead, project):
    nav = _nav_of(lead.user)
    assert 'href="/adjudication/"' in nav
    assert "Console" not in nav


@pytest.mark.django_db
def test_an_admin_finds_the_console_and_exports(admin):
    nav = _nav_of(admin)
    assert 'href="/console/"' in nav and 'href="/exports/"' in nav


@pytest.mark.django_db
def test_a_suspended_lead_no_longer_finds_the_adjudication_queue(lead, project):
    lead.status = "suspended"
    lead.save(update_fields=["status"])
    assert 'href="/adjudication/"' not in _nav_of(lead.user)


@pytest.mark.django_db
def test_a_project_admin_finds_the_console_but_not_exports_pages(project):
    from tests.factories import UserFactory

    owner = UserFactory(username="owner@rounds.test")
    project.admins.add(owner)
    nav = _nav_of(owner)
    assert 'href="/console/"' in nav and 'href="/exports/"' not in nav
