"""Every write to physicians and cohorts: invitations, verification, status, cohorts and caps.

The CSV import of physicians is in `annotators.csv_import`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify

from core.audit import audit_record
from core.errors import DomainError

from .models import Cohort, CohortMembership, Physician, Specialty

User = get_user_model()

ROLES = tuple(CohortMembership.Role.values)


def _split_name(name: str) -> tuple[str, str]:
    name = " ".join(name.split())
    first, _, last = name.rpartition(" ")
    return (first, last) if first else (name, "")


def _snapshot(physician: Physician) -> dict[str, Any]:
    user = physician.user
    return {
        "name": user.get_full_name(),
        "specialties": sorted(s.code for s in physician.specialties.all()),
        "licence_number": physician.licence_number,
        "jurisdiction": physician.licence_jurisdiction,
        "status": physician.status,
        "verification": physician.verification,
    }


def _diff(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


# --- invitations ------------------------------------------------------------------------------


def invitation_link(user) -> str:
    """A one-time set-password link: it stops working once a password is set."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("invitation-accept", kwargs={"uidb64": uidb64, "token": token})
    return settings.SITE_URL.rstrip("/") + path


def _invitation_send(physician_id: int) -> None:
    physician = Physician.objects.select_related("user").get(pk=physician_id)
    user = physician.user
    context = {"physician": physician, "link": invitation_link(user), "site_url": settings.SITE_URL}
    subject = render_to_string("annotators/email/invitation_subject.txt", context).strip()
    body = render_to_string("annotators/email/invitation.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def _invitation_queue(physician: Physician, actor) -> None:
    audit_record(
        actor=actor,
        action="physician.invitation_sent",
        obj=physician,
        after={"email": physician.user.email},
    )
    transaction.on_commit(lambda pk=physician.pk: _invitation_send(pk))


@transaction.atomic
def physician_invite(
    *,
    email: str,
    name: str,
    actor,
    specialties: list[str] | tuple[str, ...] = (),
    licence_number: str = "",
    jurisdiction: str = "",
    cohort: Cohort | None = None,
    role: str = CohortMembership.Role.REVIEWER,
    resend: bool = False,
    invite: bool = True,
) -> tuple[Physician, str]:
    """Create or update a physician's account and invite them.

    Returns the physician and what happened: "created", "updated" or "unchanged". A new account
    gets an invitation e-mail (after commit); an existing one only when `resend` is set and the
    invitation is still pending; none with `invite=False`. Specialty codes must exist (the CSV
    import checks them first).
    """
    email = email.strip().lower()
    first, last = _split_name(name)
    codes = sorted(set(specialties))
    found = list(Specialty.objects.filter(code__in=codes))
    missing = sorted(set(codes) - {s.code for s in found})
    if missing:
        raise DomainError(f"unknown specialty {missing[0]!r}", field="specialties")
    user = User.objects.select_for_update().filter(username=email).first()
    created_user = user is None
    if user is None:
        user = User(username=email, email=email, first_name=first, last_name=last)
        user.set_unusable_password()
        user.save()
    physician = Physician.objects.filter(user=user).first()
    if physician is not None:
        physician.user = user  # one instance, so the snapshots see the name change
    created = physician is None
    if created:
        physician = Physician.objects.create(
            user=user,
            licence_number=licence_number,
            licence_jurisdiction=jurisdiction,
        )
        physician.specialties.set(found)
        audit_record(
            actor=actor, action="physician.created", obj=physician, after=_snapshot(physician)
        )
        outcome = "created"
    else:
        before = _snapshot(physician)
        if (user.first_name, user.last_name, user.email) != (first, last, email):
            user.first_name, user.last_name, user.email = first, last, email
            user.save(update_fields=["first_name", "last_name", "email"])
        if (physician.licence_number, physician.licence_jurisdiction) != (
            licence_number,
            jurisdiction,
        ):
            physician.licence_number = licence_number
            physician.licence_jurisdiction = jurisdiction
            physician.save(update_fields=["licence_number", "licence_jurisdiction"])
        if before["specialties"] != codes:
            physician.specialties.set(found)
        old, new = _diff(before, _snapshot(physician))
        outcome = "updated" if new else "unchanged"
        if new:
            audit_record(
                actor=actor, action="physician.updated", obj=physician, before=old, after=new
            )
    if cohort is not None and cohort_member_add(
        cohort=cohort, physician=physician, role=role, actor=actor
    ):
        outcome = "updated" if outcome == "unchanged" else outcome
    pending = physician.status == Physician.Status.INVITED and not user.has_usable_password()
    if invite and pending and (created or created_user or resend):
        _invitation_queue(physician, actor)
    return physician, outcome


@transaction.atomic
def invitation_accept(
    *, physician: Physician, password: str, name: str, years_in_practice: int | None
) -> Physician:
    """The invited physician sets a password and confirms their details; they become active.

    Verification stays as an admin set it: reviewing needs it (curation.reviewing.eligibility).
    """
    physician = Physician.objects.select_for_update().select_related("user").get(pk=physician.pk)
    if physician.status != Physician.Status.INVITED or physician.user.has_usable_password():
        raise DomainError("This invitation has already been used.", code="used")
    user = physician.user
    before = _snapshot(physician)
    user.first_name, user.last_name = _split_name(name)
    user.set_password(password)
    user.save(update_fields=["first_name", "last_name", "password"])
    physician.years_in_practice = years_in_practice
    physician.status = Physician.Status.ACTIVE
    physician.save(update_fields=["years_in_practice", "status"])
    old, new = _diff(before, _snapshot(physician))
    audit_record(
        actor=user,
        action="physician.invitation_accepted",
        obj=physician,
        before=old,
        after={**new, "years_in_practice": years_in_practice},
    )
    return physician


# --- credentials and status -------------------------------------------------------------------


@transaction.atomic
def physician_verify(
    *,
    physician: Physician,
    actor,
    note: str = "",
    licence_number: str | None = None,
    jurisdiction: str | None = None,
) -> Physician:
    """Record that an admin checked the licence. Idempotent for an unchanged, verified licence."""
    physician = Physician.objects.select_for_update().get(pk=physician.pk)
    number = physician.licence_number if licence_number is None else licence_number.strip()
    where = physician.licence_jurisdiction if jurisdiction is None else jurisdiction.strip()
    if not number or not where:
        raise DomainError(
            "a licence number and jurisdiction are needed to verify a physician",
            field="licence_number",
            code="required",
        )
    taken = Physician.objects.filter(licence_number=number, licence_jurisdiction=where).exclude(
        pk=physician.pk
    )
    if taken.exists():
        raise DomainError(
            f"{where} {number} belongs to another physician",
            field="licence_number",
            code="conflict",
        )
    unchanged = (physician.licence_number, physician.licence_jurisdiction) == (number, where)
    if physician.verification == Physician.Verification.VERIFIED and unchanged:
        return physician
    before = {
        "verification": physician.verification,
        "licence_number": physician.licence_number,
        "jurisdiction": physician.licence_jurisdiction,
    }
    physician.licence_number, physician.licence_jurisdiction = number, where
    physician.verification = Physician.Verification.VERIFIED
    physician.verified_by = actor
    physician.verified_at = timezone.now()
    physician.verification_note = note
    physician.save()
    audit_record(
        actor=actor,
        action="physician.verified",
        obj=physician,
        before=before,
        after={
            "verification": "verified",
            "licence_number": number,
            "jurisdiction": where,
            "note": note,
        },
    )
    return physician


@transaction.atomic
def physician_suspend(*, physician: Physician, actor, reason: str) -> Physician:
    """Stop a physician from reviewing (their account stays; they may no longer review)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("is required to suspend a physician", field="reason", code="required")
    updated = (
        Physician.objects.filter(pk=physician.pk)
        .exclude(status="suspended")
        .update(status=Physician.Status.SUSPENDED, status_reason=reason)
    )
    physician.refresh_from_db()
    if updated:
        audit_record(
            actor=actor,
            action="physician.suspended",
            obj=physician,
            after={"status": "suspended", "reason": reason},
        )
    return physician


@transaction.atomic
def physician_reinstate(*, physician: Physician, actor, note: str = "") -> Physician:
    """Lift a suspension: active again, or invited if they never set a password."""
    physician = Physician.objects.select_for_update().select_related("user").get(pk=physician.pk)
    if physician.status != Physician.Status.SUSPENDED:
        return physician
    accepted = physician.user.has_usable_password()
    physician.status = Physician.Status.ACTIVE if accepted else Physician.Status.INVITED
    physician.status_reason = note
    physician.save(update_fields=["status", "status_reason"])
    audit_record(
        actor=actor,
        action="physician.reinstated",
        obj=physician,
        before={"status": "suspended"},
        after={"status": physician.status, "note": note},
    )
    return physician


@transaction.atomic
def cohort_member_add(
    *, cohort: Cohort, physician: Physician, actor, role: str = CohortMembership.Role.REVIEWER
) -> bool:
    """Add a physician to a cohort or change their role; True if anything changed."""
    if role not in ROLES:
        raise DomainError(f"must be reviewer or lead, got {role!r}", field="role")
    membership, created = CohortMembership.objects.get_or_create(
        cohort=cohort, physician=physician, defaults={"role": role}
    )
    if created:
        audit_record(
            actor=actor,
            action="cohort.member_added",
            obj=membership,
            after={"cohort": cohort.slug, "physician": physician.user.email, "role": role},
        )
        return True
    if membership.role != role:
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            actor=actor,
            action="cohort.member_role_changed",
            obj=membership,
            before={"role": old},
            after={"role": role},
        )
        return True
    return False


@transaction.atomic
def cohort_member_remove(*, cohort: Cohort, physician: Physician, actor) -> bool:
    membership = CohortMembership.objects.filter(cohort=cohort, physician=physician).first()
    if membership is None:
        return False
    audit_record(
        actor=actor,
        action="cohort.member_removed",
        obj=membership,
        before={"cohort": cohort.slug, "physician": physician.user.email, "role": membership.role},
    )
    membership.delete()
    return True


# --- cohorts and caps (the admin console) -----------------------------------------------------


def _cohort_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("is required", field="name", code="required")
    if len(name) > Cohort._meta.get_field("name").max_length:
        raise DomainError("is longer than 200 characters", field="name")
    return name


@transaction.atomic
def cohort_create(*, name: str, actor, slug: str = "", description: str = "") -> Cohort:
    """A new cohort; the slug comes from the name unless given, and must be free."""
    name = _cohort_name(name)
    slug = slugify(slug or name)[:64]
    if not slug:
        raise DomainError(f"cannot be made into a cohort slug: {name!r}", field="slug")
    if Cohort.objects.filter(slug=slug).exists():
        raise DomainError(f"a cohort with the slug {slug!r} already exists", field="slug")
    cohort = Cohort.objects.create(slug=slug, name=name, description=(description or "").strip())
    audit_record(
        actor=actor, action="cohort.created", obj=cohort, after={"slug": slug, "name": name}
    )
    return cohort


@transaction.atomic
def cohort_rename(*, cohort: Cohort, name: str, actor, description: str | None = None) -> Cohort:
    """Change a cohort's name (and description); the slug, used in links and CSVs, stays."""
    name = _cohort_name(name)
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    before = {"name": cohort.name, "description": cohort.description}
    cohort.name = name
    if description is not None:
        cohort.description = description.strip()
    after = {"name": cohort.name, "description": cohort.description}
    old, new = _diff(before, after)
    if new:
        cohort.save(update_fields=["name", "description"])
        audit_record(actor=actor, action="cohort.renamed", obj=cohort, before=old, after=new)
    return cohort


@transaction.atomic
def cohort_archive(*, cohort: Cohort, actor, archived: bool = True) -> Cohort:
    """Archive (or restore) a cohort: an archived cohort opens no project to its members."""
    updated = (
        Cohort.objects.filter(pk=cohort.pk).exclude(archived=archived).update(archived=archived)
    )
    cohort.refresh_from_db()
    if updated:
        audit_record(
            actor=actor,
            action="cohort.archived" if archived else "cohort.restored",
            obj=cohort,
            before={"archived": not archived},
            after={"archived": archived},
        )
    return cohort


@transaction.atomic
def physician_daily_cap_set(*, physician: Physician, daily_cap: int | None, actor) -> Physician:
    """Most reviews a physician may do a day (None: no cap). The assignment engine enforces it."""
    if daily_cap is not None and (not isinstance(daily_cap, int) or daily_cap < 0):
        raise DomainError(
            f"must be a whole number of reviews, 0 or more, got {daily_cap!r}", field="daily_cap"
        )
    physician = Physician.objects.select_for_update().get(pk=physician.pk)
    if physician.daily_cap == daily_cap:
        return physician
    before = physician.daily_cap
    physician.daily_cap = daily_cap
    physician.save(update_fields=["daily_cap"])
    audit_record(
        actor=actor,
        action="physician.daily_cap_set",
        obj=physician,
        before={"daily_cap": before},
        after={"daily_cap": daily_cap},
    )
    return physician
