"""import_physicians: accounts, credentials and cohorts from a CSV, with invitations."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command

from annotators.models import CohortMembership, Physician
from core.models import AuditEvent
from curation.reviewing.eligibility import may_review
from tests.factories import PhysicianFactory

pytestmark = pytest.mark.django_db

HEADER = "email,name,specialties,licence_number,jurisdiction,cohort,role\n"
ROWS = (
    "alice@clinic.test,Alice Martin,cardiology;internal-medicine,A-100,CA,Cardiology panel,lead\n"
    "ben@clinic.test,Ben Okafor,cardiology,B-200,CA,Cardiology panel,reviewer\n"
    "dan@clinic.test,Dan Weiss,neurology,,,Neuro panel,\n"
)


def write(tmp_path, text: str):
    path = tmp_path / "physicians.csv"
    path.write_text(text)
    return path


def run(path, *args) -> str:
    out = io.StringIO()
    call_command("import_physicians", str(path), *args, stdout=out)
    return out.getvalue().strip()


def fails(path) -> tuple[str, list[str]]:
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_physicians", str(path), stderr=err)
    return str(exc.value), err.getvalue().strip().splitlines()


def nothing_written() -> None:
    assert not get_user_model().objects.exists()
    assert not Physician.objects.exists()
    assert not AuditEvent.objects.exists()
    assert mail.outbox == []


def test_import_creates_invited_physicians_with_credentials_and_cohorts(
    tmp_path, django_capture_on_commit_callbacks, cohort
):
    with django_capture_on_commit_callbacks(execute=True):
        output = run(write(tmp_path, HEADER + ROWS))

    assert output == "Physicians: 3 created, 0 updated, 0 unchanged; new cohorts: Neuro panel."
    alice = Physician.objects.get(user__username="alice@clinic.test")
    assert (alice.user.first_name, alice.user.last_name) == ("Alice", "Martin")
    assert alice.user.email == "alice@clinic.test"
    assert not alice.user.has_usable_password()
    assert (alice.status, alice.verification) == ("invited", "unverified")
    assert sorted(s.code for s in alice.specialties.all()) == ["cardiology", "internal-medicine"]
    assert (alice.licence_number, alice.licence_jurisdiction) == ("A-100", "CA")
    assert not may_review(alice)
    # "Cardiology panel" is the existing cohort (matched by name); "Neuro panel" is new.
    assert CohortMembership.objects.get(physician=alice).cohort == cohort
    assert CohortMembership.objects.get(physician=alice).role == "lead"
    dan = CohortMembership.objects.get(physician__user__username="dan@clinic.test")
    assert (dan.cohort.slug, dan.role) == ("neuro-panel", "reviewer")
    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@clinic.test",
        "ben@clinic.test",
        "dan@clinic.test",
    ]
    assert AuditEvent.objects.filter(action="physician.created").count() == 3
    assert AuditEvent.objects.filter(action="cohort.created").count() == 1


def test_reimport_creates_nothing_and_sends_no_second_email(
    tmp_path, django_capture_on_commit_callbacks
):
    path = write(tmp_path, HEADER + ROWS)
    with django_capture_on_commit_callbacks(execute=True):
        run(path)
    events = AuditEvent.objects.count()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        output = run(path)

    assert output == "Physicians: 0 created, 0 updated, 3 unchanged."
    assert mail.outbox == []
    assert AuditEvent.objects.count() == events
    assert Physician.objects.count() == 3


def test_resend_invites_only_those_who_have_not_accepted(
    tmp_path, django_capture_on_commit_callbacks
):
    path = write(tmp_path, HEADER + ROWS)
    with django_capture_on_commit_callbacks(execute=True):
        run(path)
    ben = get_user_model().objects.get(username="ben@clinic.test")
    ben.set_password("a-strong-password-1")
    ben.save()
    Physician.objects.filter(user=ben).update(status="active")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        run(path, "--resend")

    assert sorted(m.to[0] for m in mail.outbox) == ["alice@clinic.test", "dan@clinic.test"]


def test_changed_row_updates_the_physician_and_audits_the_change(
    tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run(write(tmp_path, HEADER + ROWS))
    changed = ROWS.replace("Ben Okafor,cardiology,", "Ben Okafor-Hale,cardiology;pediatrics,")

    output = run(write(tmp_path, HEADER + changed))

    assert output == "Physicians: 0 created, 1 updated, 2 unchanged."
    ben = Physician.objects.get(user__username="ben@clinic.test")
    assert ben.user.last_name == "Okafor-Hale"
    event = AuditEvent.objects.get(action="physician.updated")
    assert event.before == {"name": "Ben Okafor", "specialties": ["cardiology"]}
    assert event.after == {"name": "Ben Okafor-Hale", "specialties": ["cardiology", "pediatrics"]}


def test_one_person_in_two_cohorts_takes_two_rows(tmp_path):
    text = HEADER + ROWS + "dan@clinic.test,Dan Weiss,neurology,,,Cardiology panel,reviewer\n"
    assert run(write(tmp_path, text)).startswith("Physicians: 3 created")
    dan = Physician.objects.get(user__username="dan@clinic.test")
    assert sorted(dan.cohorts.values_list("name", flat=True)) == ["Cardiology panel", "Neuro panel"]


BAD_ROWS = [
    (
        "eve@clinic.test,Eve,cardio,,,,\n",
        "5 specialties: unknown specialty 'cardio'; did you mean 'cardiology'?",
    ),
    ("eve@clinic,Eve,,,,,\n", "5 email: is not a valid e-mail address: 'eve@clinic'"),
    (",Eve,,,,,\n", "5 email: is required"),
    ("eve@clinic.test,,,,,,\n", "5 name: is required"),
    ("eve@clinic.test,Eve,,,,Panel,chief\n", "5 role: must be reviewer or lead, got 'chief'"),
    ("eve@clinic.test,Eve,,E-1,,,\n", "5 jurisdiction: is required when a licence number is given"),
    (
        "eve@clinic.test,Eve,,A-100,CA,,\n",
        "5 licence_number: is also given to alice@clinic.test on line 2",
    ),
    (
        "ben@clinic.test,Benjamin Okafor,cardiology,B-200,CA,Neuro panel,\n",
        "5 name: differs from line 3 for ben@clinic.test",
    ),
    (
        "ben@clinic.test,Ben Okafor,cardiology,B-200,CA,Cardiology panel,\n",
        "5 cohort: ben@clinic.test is already in this cohort on line 3",
    ),
    ("eve@clinic.test,Eve,,,,\n", "5: has 6 values but the header has 7 columns"),
]


@pytest.mark.parametrize(("row", "expected"), BAD_ROWS)
def test_bad_row_is_reported_with_file_line_and_field_and_nothing_is_written(
    tmp_path, row, expected
):
    path = write(tmp_path, HEADER + ROWS + row)

    message, lines = fails(path)

    assert lines == [f"{path}:{expected}"]
    assert message == f"{path}:{expected} (nothing was imported)"
    nothing_written()


def test_wrong_header_names_the_expected_columns(tmp_path):
    path = write(tmp_path, "email,name,specialty\nx@y.test,X,cardiology\n")
    _, lines = fails(path)
    assert lines == [
        f"{path}:1: is missing column(s) specialties, licence_number, jurisdiction, "
        "cohort, role; expected email,name,specialties,licence_number,jurisdiction,cohort,role"
    ]
    nothing_written()


def test_several_bad_rows_are_listed_at_once(tmp_path):
    text = HEADER + "a@x.test,A,cardio,,,,\nnot-an-email,B,,,,,\nc@x.test,C,,,,,boss\n"
    message, lines = fails(write(tmp_path, text))
    assert message == "3 errors; nothing was imported."
    assert [line.split(":")[1] for line in lines] == ["2 specialties", "3 email", "4 role"]
    nothing_written()


def test_licence_held_by_someone_else_in_the_database_is_a_conflict(tmp_path):
    PhysicianFactory(
        user__username="other@clinic.test", licence_number="A-100", licence_jurisdiction="CA"
    )
    path = write(tmp_path, HEADER + ROWS)
    _, lines = fails(path)
    assert lines == [
        f"{path}:2 licence_number: CA A-100 belongs to another physician (other@clinic.test)"
    ]
    assert Physician.objects.count() == 1


def test_admin_imports_a_physicians_csv_through_the_upload_page(
    client, admin, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin)
    assert b"Import physicians CSV" in client.get("/admin/annotators/physician/").content
    upload = SimpleUploadedFile("physicians.csv", (HEADER + ROWS).encode())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/annotators/physician/import/", {"file": upload}, follow=True)

    assert "Physicians: 3 created, 0 updated, 0 unchanged" in response.content.decode()
    assert Physician.objects.filter(status="invited").count() == 3
    assert len(mail.outbox) == 3
    assert AuditEvent.objects.filter(action="physician.created", actor=admin).count() == 3


def test_admin_upload_lists_bad_rows_and_writes_nothing(client, admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin)
    upload = SimpleUploadedFile("physicians.csv", (HEADER + "x@y.test,X,cardio,,,,\n").encode())
    response = client.post("/admin/annotators/physician/import/", {"file": upload})
    html = response.content.decode()
    assert "<td>2</td><td>specialties</td>" in html
    assert "unknown specialty &#x27;cardio&#x27;; did you mean &#x27;cardiology&#x27;?" in html
    assert Physician.objects.count() == 0


def test_admin_actions_verify_and_suspend_through_services(client, admin, tmp_path):
    run(write(tmp_path, HEADER + ROWS))
    alice = Physician.objects.get(user__username="alice@clinic.test")
    dan = Physician.objects.get(user__username="dan@clinic.test")  # no licence on file
    client.force_login(admin)
    changelist = "/admin/annotators/physician/"

    response = client.post(
        changelist,
        {"action": "verify_selected", "_selected_action": [alice.pk, dan.pk], "note": "Board"},
        follow=True,
    )

    alice.refresh_from_db()
    dan.refresh_from_db()
    assert (alice.verification, alice.verification_note, alice.verified_by) == (
        "verified",
        "Board",
        admin,
    )
    assert dan.verification == "unverified"
    html = response.content.decode()
    assert "Verified 1 physician(s)." in html
    assert "Skipped dan@clinic.test: a licence number and jurisdiction are needed" in html

    client.post(
        changelist, {"action": "suspend_selected", "_selected_action": [alice.pk], "note": ""}
    )
    alice.refresh_from_db()
    assert alice.status == "invited"  # a suspension needs a reason
    client.post(
        changelist,
        {
            "action": "suspend_selected",
            "_selected_action": [alice.pk],
            "note": "Licence under review",
        },
    )
    alice.refresh_from_db()
    assert (alice.status, alice.status_reason) == ("suspended", "Licence under review")
    assert AuditEvent.objects.filter(action="physician.suspended", actor=admin).count() == 1
