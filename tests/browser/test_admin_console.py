"""An admin onboards two physicians in Chromium and watches a project move after a review."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail

from annotators.models import Cohort, Physician
from curation.reviewing.assignment import assignment_next
from curation.reviewing.reviews import review_submit
from tests.factories import ProjectFactory, SampleFactory, UserFactory

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent.parent
SHOTS = ROOT / "var" / "screenshots"
PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "stethoscope-lantern-42"
CSV = (
    "email,name,specialties,licence_number,jurisdiction,cohort,role\n"
    "ada.osei@clinic.test,Ada Osei,cardiology,CA-55120,CA,,\n"
    "ben.ito@clinic.test,Ben Ito,cardiology;internal-medicine,NY-20931,NY,,\n"
)
GRADES = {"accurate": True, "completeness": 4, "urgency": "emergent", "advises_er": None}


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def submit(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def console_nav(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("navigation", name="Console").get_by_role("link", name=name).click()


def progress(page, slug: str) -> dict[str, int]:
    figure = page.get_by_test_id(f"progress-{slug}")
    return {
        key: int(figure.get_by_test_id(key).inner_text())
        for key in ("settled", "in_review", "untouched")
    }


def invitation_link(email: str) -> str:
    (message,) = [m for m in mail.outbox if m.to == [email]]
    match = re.search(r"https?://\S+/invite/\S+/", message.body)
    assert match, message.body
    return match.group(0)


def test_admin_onboards_two_physicians_and_sees_a_project_move(
    committed, page, browser, live_server, settings
):
    settings.SITE_URL = live_server.url  # the invitation links point at this server
    UserFactory(username="admin@rounds.test", is_staff=True, is_superuser=True)
    project = ProjectFactory(slug="chest-pain", name="Chest pain triage", overlap=2)
    SampleFactory.create_batch(3, project=project)

    # The admin invites two physicians from a CSV.
    sign_in(page, "admin@rounds.test", PASSWORD)
    page.get_by_role("link", name="Console").click()
    console_nav(page, "Physicians")
    page.get_by_role("link", name="Invite from a CSV").click()
    page.get_by_label("Physicians CSV").set_input_files(
        files=[{"name": "panel.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    submit(page, "Import and invite")
    assert "panel.csv: 2 created, 0 updated, 0 unchanged." in page.inner_text(".messages")
    assert page.url.endswith("/console/physicians/")
    assert page.get_by_role("link", name="Ada Osei").is_visible()
    assert page.get_by_role("link", name="Ben Ito").is_visible()
    assert sorted(m.to[0] for m in mail.outbox) == ["ada.osei@clinic.test", "ben.ito@clinic.test"]

    # Ada accepts her invitation, in a browser with JavaScript off.
    invitee = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    ada_page = invitee.new_page()
    ada_page.goto(invitation_link("ada.osei@clinic.test"))
    assert ada_page.get_by_role("heading", name="Welcome to Rounds").is_visible()
    ada_page.get_by_label("Years in practice").fill("12")
    ada_page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    ada_page.get_by_label("Password again").fill(NEW_PASSWORD)
    submit(ada_page, "Set password and continue")
    assert ada_page.get_by_role("heading", name="My work").is_visible()
    assert "Console" not in ada_page.inner_text("nav")
    assert ada_page.goto("/console/projects/").status == 403
    invitee.close()
    ada = Physician.objects.select_related("user").get(user__email="ada.osei@clinic.test")
    assert ada.status == "active"
    assert ada.user.check_password(NEW_PASSWORD)

    # The admin verifies Ada's licence.
    page.goto("/console/physicians/?q=ada")
    page.get_by_role("link", name="Ada Osei").click()
    assert page.get_by_test_id("verification").inner_text() == "Unverified"
    assert page.get_by_label("Licence number").input_value() == "CA-55120"
    page.get_by_label("Evidence").fill("Medical Board of California lookup: licence current.")
    submit(page, "Record verification")
    assert page.get_by_test_id("verification").inner_text() == "Verified"
    assert "Verified by admin@rounds.test" in page.inner_text("main")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "console-physician.png"), full_page=True)

    # A cohort, with both physicians in it.
    console_nav(page, "Cohorts")
    page.get_by_role("link", name="New cohort").click()
    page.get_by_label("Name", exact=True).fill("Cardiology night panel")
    submit(page, "Create cohort")
    assert page.url.endswith("/console/cohorts/cardiology-night-panel/")
    for email, role in (("ada.osei@clinic.test", "reviewer"), ("ben.ito@clinic.test", "lead")):
        page.get_by_label("Physician's e-mail").fill(email)
        page.get_by_label("Role", exact=True).select_option(role)
        submit(page, "Add to cohort")
        assert f"is a {role} in Cardiology night panel" in page.inner_text(".messages")
    members = page.locator("table.members tbody tr")
    assert members.count() == 2
    cohort = Cohort.objects.get(slug="cardiology-night-panel")
    assert set(cohort.members.values_list("user__email", flat=True)) == {
        "ada.osei@clinic.test",
        "ben.ito@clinic.test",
    }
    project.cohorts.add(cohort)

    # The project page, before and after Ada's first review.
    console_nav(page, "Projects")
    page.get_by_role("link", name="Chest pain triage").click()
    assert page.url.endswith("/console/projects/chest-pain/")
    assert progress(page, "chest-pain") == {"settled": 0, "in_review": 0, "untouched": 3}

    assignment = assignment_next(user=ada.user, project=project).assignment
    review_submit(
        assignment_id=assignment.pk,
        user=ada.user,
        grades=GRADES,
        verdict="accept",
        time_on_task_ms=95_000,
    )
    page.reload()
    assert progress(page, "chest-pain") == {"settled": 0, "in_review": 1, "untouched": 2}
    bar = page.locator("svg.progress-bar")
    assert bar.get_attribute("aria-label") == (
        "Progress: 0 settled, 1 in review, 2 untouched of 3 samples"
    )
    assert page.get_by_test_id("median").inner_text() == "1 min 35 s"

    console_nav(page, "Projects")
    page.screenshot(path=str(SHOTS / "console-projects.png"), full_page=True)
    assert progress(page, "chest-pain")["in_review"] == 1
