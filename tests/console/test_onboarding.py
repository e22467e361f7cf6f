"""Onboarding from the console: invite one or a CSV, verify a licence, find physicians."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotators.models import Physician
from core.models import AuditEvent
from curation.reviewing.eligibility import may_review
from tests.console.conftest import review
from tests.factories import PhysicianFactory, SampleFactory, join

pytestmark = pytest.mark.django_db

HEADER = "email,name,specialties,licence_number,jurisdiction,cohort,role\n"


def upload(client, text: str, name: str = "panel.csv", follow: bool = False):
    file = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return client.post(reverse("console-physicians-import"), {"file": file}, follow=follow)


def test_admin_invites_one_physician_who_gets_a_one_time_link(
    client, admin, cohort, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("console-physician-invite"),
            {
                "email": "Dana.Reyes@Clinic.org",
                "name": "Dana Reyes",
                "specialties": ["cardiology"],
                "licence_number": "A-778",
                "jurisdiction": "CA",
                "cohort": cohort.slug,
                "role": "lead",
            },
            follow=True,
        )
    assert "Invited dana.reyes@clinic.org" in response.content.decode()
    physician = Physician.objects.get(user__email="dana.reyes@clinic.org")
    assert physician.status == "invited"
    assert physician.verification == "unverified"
    assert physician.memberships.get().role == "lead"
    assert response.redirect_chain[-1][0] == reverse("console-physician", args=[physician.pk])
    (message,) = mail.outbox
    assert message.to == ["dana.reyes@clinic.org"]
    assert "/invite/" in message.body


def test_invite_form_names_the_field_that_is_wrong(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("console-physician-invite"),
        {"email": "not-an-address", "name": "", "licence_number": "A1", "role": "reviewer"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert "Give the jurisdiction that issued the licence." in page
    assert not Physician.objects.exists()


def test_csv_import_invites_everyone_and_creates_the_cohort(
    client, admin, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    text = (
        HEADER
        + "ada@clinic.org,Ada Osei,cardiology,A1,CA,Night shift,reviewer\n"
        + "ben@clinic.org,Ben Ito,neurology;cardiology,B2,NY,Night shift,lead\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, text, follow=True)
    assert "panel.csv: 2 created, 0 updated, 0 unchanged; new cohorts: Night shift." in (
        response.content.decode()
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@clinic.org", "ben@clinic.org"]
    assert Physician.objects.filter(memberships__cohort__slug="night-shift").count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        again = upload(client, text, follow=True)
    assert "0 created, 0 updated, 2 unchanged" in again.content.decode()
    assert len(mail.outbox) == 2


def test_csv_errors_are_listed_by_line_and_nothing_is_written(client, admin):
    client.force_login(admin)
    text = (
        HEADER
        + "ada@clinic.org,Ada Osei,cardiology,A1,CA,,\n"
        + "nobody,Ben Ito,cardiolgy,,,,\n"
        + "cy@clinic.org,Cy Park,neurology,C3,,,boss\n"
    )
    response = upload(client, text)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "<td>3</td><td>email</td><td>is not a valid e-mail address: &#x27;nobody&#x27;</td>" in (
        page
    )
    assert "unknown specialty &#x27;cardiolgy&#x27;; did you mean &#x27;cardiology&#x27;?" in page
    assert "<td>4</td><td>role</td>" in page
    assert "<td>4</td><td>jurisdiction</td>" in page
    assert not Physician.objects.exists()


def test_admin_verifies_a_licence_with_evidence(client, admin):
    physician = PhysicianFactory(
        verification="unverified", verified_by=None, verified_at=None, licence_number=""
    )
    assert not may_review(physician)
    client.force_login(admin)
    response = client.post(
        reverse("console-physician-verify", args=[physician.pk]),
        {
            "licence_number": "G-12345",
            "jurisdiction": "GMC-UK",
            "note": "GMC register entry checked; full registration, no conditions.",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "verified." in page
    assert f"Verified by {admin.email} on" in page
    physician.refresh_from_db()
    assert physician.verification == "verified"
    assert physician.verified_by == admin
    assert physician.verified_at is not None
    assert physician.verification_note.startswith("GMC register entry")
    assert may_review(physician)
    event = AuditEvent.objects.get(action="physician.verified")
    assert event.after["licence_number"] == "G-12345"


def test_verification_needs_evidence(client, admin):
    physician = PhysicianFactory(verification="unverified", verified_by=None, verified_at=None)
    client.force_login(admin)
    response = client.post(
        reverse("console-physician-verify", args=[physician.pk]),
        {"licence_number": "G-1", "jurisdiction": "GMC-UK", "note": ""},
        follow=True,
    )
    assert "Evidence: This field is required." in response.content.decode()
    physician.refresh_from_db()
    assert physician.verification == "unverified"


def test_a_licence_held_by_someone_else_is_refused(client, admin, cardiologist):
    other = PhysicianFactory(verification="unverified", verified_by=None, verified_at=None)
    client.force_login(admin)
    response = client.post(
        reverse("console-physician-verify", args=[other.pk]),
        {
            "licence_number": cardiologist.licence_number,
            "jurisdiction": cardiologist.licence_jurisdiction,
            "note": "checked",
        },
        follow=True,
    )
    assert "belongs to another physician" in response.content.decode()
    other.refresh_from_db()
    assert other.verification == "unverified"


def test_physician_list_searches_and_filters(
    client, admin, cardiologist, second_cardiologist, neurologist
):
    client.force_login(admin)
    url = reverse("console-physicians")

    def names(**params) -> set[str]:
        page = client.get(url, params).context["page"]
        return {p.user.username for p in page}

    assert names(q="nora") == {"nora@rounds.test"}
    assert names(specialty="cardiology") == {"alice@rounds.test", "bob@rounds.test"}
    assert names(specialty="cardiology", q="bob") == {"bob@rounds.test"}
    second_cardiologist.status = "suspended"
    second_cardiologist.save()
    assert names(status="suspended") == {"bob@rounds.test"}
    assert names(cohort="cardio-panel", verification="verified") == {
        "alice@rounds.test",
        "bob@rounds.test",
        "nora@rounds.test",
    }
    assert names(q="nobody-at-all") == set()


def test_physician_list_and_workload_take_the_same_queries_for_more_physicians(
    client, admin, cohort, project
):
    SampleFactory.create_batch(8, project=project)
    client.force_login(admin)

    def add_physician() -> None:
        physician = PhysicianFactory(specialties=["cardiology", "neurology"], daily_cap=5)
        join(cohort, physician)
        review(physician, project)

    def queries() -> tuple[int, int]:
        counts = []
        for url in (reverse("console-physicians"), reverse("console-workload")):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append(len(captured))
        return tuple(counts)

    add_physician()
    before = queries()
    for _ in range(4):
        add_physician()
    assert queries() == before
