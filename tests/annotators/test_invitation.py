"""Invitations: a one-time set-password link, then the physician is active (not yet verified)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from annotators.models import Cohort, CohortMembership, Physician
from annotators.services import (
    cohort_member_add,
    cohort_member_remove,
    physician_invite,
    physician_reinstate,
    physician_suspend,
    physician_verify,
)
from core.errors import DomainError
from core.models import AuditEvent
from curation.reviewing.eligibility import may_review

PASSWORD = "stethoscope-lantern-42"


@pytest.fixture
def invited(db, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        physician, outcome = physician_invite(
            email="Maya.Chen@Clinic.test",
            name="Maya Chen",
            specialties=["pediatrics"],
            licence_number="P-77",
            jurisdiction="NY",
            actor=admin,
        )
    assert outcome == "created"
    return physician


def link_path() -> str:
    assert len(mail.outbox) == 1
    match = re.search(r"https?://[^/\s]+(/invite/[^\s]+/)", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def accept(client, path: str, **overrides):
    form = {
        "name": "Maya L. Chen",
        "years_in_practice": "7",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    landing = client.get(path)
    assert landing.status_code == 302  # the token moves into the session
    return client.post(landing.url, form)


def test_invitation_email_is_sent_after_commit_with_a_link(invited):
    message = mail.outbox[0]
    assert message.to == ["maya.chen@clinic.test"]
    assert message.subject == "You are invited to review for Rounds"
    assert "Dear Maya Chen," in message.body
    assert "/invite/" in link_path()
    assert AuditEvent.objects.filter(action="physician.invitation_sent").count() == 1


def test_no_email_leaves_when_the_transaction_rolls_back(db, admin):
    # Without running on-commit callbacks (the transaction never commits), nothing is sent.
    physician_invite(email="x@clinic.test", name="X Y", actor=admin)
    assert mail.outbox == []


def test_accepting_sets_password_name_years_and_activates(client, invited):
    response = accept(client, link_path())

    assert response.status_code == 302 and response.url == "/"
    invited.refresh_from_db()
    user = invited.user
    assert user.check_password(PASSWORD)
    assert (user.first_name, user.last_name) == ("Maya L.", "Chen")
    assert (invited.status, invited.years_in_practice) == ("active", 7)
    assert invited.verification == "unverified"
    assert not may_review(invited)  # reviewing waits for an admin to verify the licence
    assert client.get("/").wsgi_request.user == user  # signed in
    assert AuditEvent.objects.filter(action="physician.invitation_accepted").count() == 1


def test_the_link_works_only_once(client, invited):
    path = link_path()
    accept(client, path)
    client.logout()

    response = client.get(path)

    assert response.status_code == 404
    assert b"This invitation link is not valid" in response.content


def test_a_tampered_token_is_refused(client, invited):
    path = link_path()
    response = client.get(path[:-3] + "xx/")
    assert response.status_code == 404


def test_weak_or_mismatched_passwords_are_refused_with_reasons(client, invited):
    path = link_path()
    response = accept(client, path, password1="short", password2="short")
    assert response.status_code == 200
    assert b"This password is too short" in response.content
    response = client.post(
        response.wsgi_request.path,
        {
            "name": "Maya Chen",
            "years_in_practice": "7",
            "password1": PASSWORD,
            "password2": PASSWORD + "x",
        },
    )
    assert b"The two passwords differ." in response.content
    invited.refresh_from_db()
    assert invited.status == "invited" and not invited.user.has_usable_password()


def test_reinviting_an_existing_physician_changes_nothing(
    admin, invited, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _, outcome = physician_invite(
            email="maya.chen@clinic.test",
            name="Maya Chen",
            specialties=["pediatrics"],
            licence_number="P-77",
            jurisdiction="NY",
            actor=admin,
        )
    assert outcome == "unchanged"
    assert mail.outbox == []


def test_verified_and_active_physician_can_review(client, admin, invited):
    accept(client, link_path())
    physician = physician_verify(physician=invited, actor=admin, note="Checked the NY registry")
    assert may_review(physician)
    assert (physician.verified_by, physician.verification_note) == (
        admin,
        "Checked the NY registry",
    )
    event = AuditEvent.objects.get(action="physician.verified")
    assert event.actor == admin and event.after["licence_number"] == "P-77"
    # Verifying again with the same licence is a no-op.
    physician_verify(physician=physician, actor=admin, note="again")
    assert AuditEvent.objects.filter(action="physician.verified").count() == 1


def test_verify_refuses_a_licence_held_by_another_physician(admin, invited, cardiologist):
    with pytest.raises(DomainError) as exc:
        physician_verify(
            physician=invited,
            actor=admin,
            licence_number=cardiologist.licence_number,
            jurisdiction=cardiologist.licence_jurisdiction,
        )
    assert exc.value.details[0].field == "licence_number"
    assert "belongs to another physician" in str(exc.value)
    invited.refresh_from_db()
    assert invited.verification == "unverified"


def test_suspend_and_reinstate(admin, cardiologist):
    with pytest.raises(DomainError, match="is required to suspend"):
        physician_suspend(physician=cardiologist, actor=admin, reason=" ")
    physician_suspend(physician=cardiologist, actor=admin, reason="Licence lapsed")
    cardiologist.refresh_from_db()
    assert (cardiologist.status, cardiologist.status_reason) == ("suspended", "Licence lapsed")
    assert not may_review(cardiologist)
    physician_suspend(physician=cardiologist, actor=admin, reason="again")  # idempotent
    assert AuditEvent.objects.filter(action="physician.suspended").count() == 1

    physician_reinstate(physician=cardiologist, actor=admin, note="Renewed")
    cardiologist.refresh_from_db()
    assert cardiologist.status == "active" and may_review(cardiologist)
    assert AuditEvent.objects.filter(action="physician.reinstated").count() == 1


def test_reinstating_someone_who_never_accepted_returns_them_to_invited(admin, invited):
    physician_suspend(physician=invited, actor=admin, reason="Pending review")
    assert physician_reinstate(physician=invited, actor=admin).status == Physician.Status.INVITED


def test_cohort_membership_add_change_role_and_remove(admin, cardiologist):
    cohort = Cohort.objects.create(slug="peds", name="Pediatrics panel")
    assert cohort_member_add(cohort=cohort, physician=cardiologist, actor=admin)
    assert not cohort_member_add(cohort=cohort, physician=cardiologist, actor=admin)
    assert cohort_member_add(cohort=cohort, physician=cardiologist, actor=admin, role="lead")
    assert CohortMembership.objects.get(cohort=cohort, physician=cardiologist).role == "lead"
    assert cohort_member_remove(cohort=cohort, physician=cardiologist, actor=admin)
    assert not cohort_member_remove(cohort=cohort, physician=cardiologist, actor=admin)
    actions = list(
        AuditEvent.objects.filter(action__startswith="cohort.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["cohort.member_added", "cohort.member_role_changed", "cohort.member_removed"]
