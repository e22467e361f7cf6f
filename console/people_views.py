"""Admin console, physicians and cohorts: invite (one, or a CSV), verify a licence, reinstate,
set a daily cap, and run cohorts. Staff only.

The pages that also show work done (the physician list and page, the cohort page, workload) are
read by `console.views`, the higher app; the forms here post back to them.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from annotators import csv_import, services
from annotators.access import admin_required
from annotators.models import Cohort, Physician
from console.forms import (
    CapForm,
    CohortForm,
    CohortRenameForm,
    InviteForm,
    MemberAddForm,
    NoteForm,
    PhysiciansImportForm,
    VerifyForm,
)
from core.errors import DomainError

# A cohort page lives at /console/cohorts/<slug>/; these slugs are pages of their own.
RESERVED_COHORT_SLUGS = frozenset({"new"})


def _physician_or_404(physician_id: int) -> Physician:
    physician = Physician.objects.select_related("user").filter(pk=physician_id).first()
    if physician is None:
        raise Http404("No such physician.")
    return physician


def _cohort_or_404(slug: str) -> Cohort:
    cohort = Cohort.objects.filter(slug=slug).first()
    if cohort is None:
        raise Http404("No such cohort.")
    return cohort


def _back(request: HttpRequest, name: str, **kwargs) -> HttpResponse:
    """Back to the page the form was on (a local `next`), else to the named page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(name, **kwargs)


def _form_errors(request: HttpRequest, form) -> None:
    """A small form on another page failed: say which field and why, on that page."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else "Form"
        for error in errors:
            messages.error(request, f"{label}: {error}")


def _domain_error(request: HttpRequest, exc: DomainError) -> None:
    for detail in exc.details:
        messages.error(request, str(detail))


# --- onboarding -------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def physician_invite_view(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None, initial={"cohort": request.GET.get("cohort")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            physician, outcome = services.physician_invite(
                email=data["email"],
                name=data["name"],
                specialties=[s.code for s in data["specialties"]],
                licence_number=data["licence_number"].strip(),
                jurisdiction=data["jurisdiction"].strip(),
                cohort=data["cohort"],
                role=data["role"],
                resend=data["resend"],
                actor=request.user,
            )
        except DomainError as exc:
            for detail in exc.details:
                form.add_error(
                    detail.field if detail.field in form.fields else None, detail.message
                )
        else:
            email = physician.user.email
            text = {
                "created": f"Invited {email}; the invitation e-mail is on its way.",
                "updated": f"{email} already had an account; their details were updated.",
                "unchanged": f"{email} already had an account with these details.",
            }[outcome]
            if outcome != "created" and data["resend"]:
                text += " The invitation was sent again if it was still pending."
            messages.success(request, text)
            return redirect("console-physician", physician_id=physician.pk)
    context = {"form": form, "section": "physicians"}
    return render(request, "console/physician_invite.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def physicians_import_view(request: HttpRequest) -> HttpResponse:
    """The same import as `manage.py import_physicians`: all rows valid or nothing written."""
    form = PhysiciansImportForm(request.POST or None, request.FILES or None)
    errors, summary = [], ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = csv_import.physicians_import(
                source=upload,
                filename=upload.name,
                resend=form.cleaned_data["resend"],
                actor=request.user,
            )
        except DomainError as exc:
            errors, summary = exc.details, exc.message
        else:
            messages.success(request, f"{upload.name}: {result.summary()}")
            return redirect("console-physicians")
    context = {"form": form, "errors": errors, "summary": summary, "section": "physicians"}
    return render(request, "console/physicians_import.html", context, status=400 if errors else 200)


@admin_required
@require_POST
def physician_verify_view(request: HttpRequest, physician_id: int) -> HttpResponse:
    physician = _physician_or_404(physician_id)
    form = VerifyForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            services.physician_verify(
                physician=physician,
                actor=request.user,
                note=form.cleaned_data["note"].strip(),
                licence_number=form.cleaned_data["licence_number"],
                jurisdiction=form.cleaned_data["jurisdiction"],
            )
        except DomainError as exc:
            _domain_error(request, exc)
        else:
            messages.success(request, f"Licence of {physician} verified.")
    return redirect("console-physician", physician_id=physician.pk)


@admin_required
@require_POST
def physician_reinstate_view(request: HttpRequest, physician_id: int) -> HttpResponse:
    physician = _physician_or_404(physician_id)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"].strip() if form.is_valid() else ""
    physician = services.physician_reinstate(physician=physician, actor=request.user, note=note)
    messages.success(request, f"{physician} is {physician.get_status_display().lower()}.")
    return redirect("console-physician", physician_id=physician.pk)


@admin_required
@require_POST
def physician_resend_view(request: HttpRequest, physician_id: int) -> HttpResponse:
    physician = _physician_or_404(physician_id)
    if physician.status != Physician.Status.INVITED or physician.user.has_usable_password():
        messages.error(request, f"{physician} has already accepted the invitation.")
    else:
        services.physician_invite(
            email=physician.user.email,
            name=physician.user.get_full_name() or physician.user.email,
            specialties=list(physician.specialties.values_list("code", flat=True)),
            licence_number=physician.licence_number,
            jurisdiction=physician.licence_jurisdiction,
            resend=True,
            actor=request.user,
        )
        messages.success(request, f"The invitation was sent again to {physician.user.email}.")
    return redirect("console-physician", physician_id=physician.pk)


@admin_required
@require_POST
def physician_cap_view(request: HttpRequest, physician_id: int) -> HttpResponse:
    physician = _physician_or_404(physician_id)
    form = CapForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        cap = form.cleaned_data["cap"]
        services.physician_daily_cap_set(physician=physician, daily_cap=cap, actor=request.user)
        text = "no daily cap" if cap is None else f"a daily cap of {cap} reviews"
        messages.success(request, f"{physician} now has {text}.")
    return _back(request, "console-physician", physician_id=physician.pk)


# --- cohorts ----------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def cohort_create_view(request: HttpRequest) -> HttpResponse:
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if (data["slug"] or "") in RESERVED_COHORT_SLUGS or (
            not data["slug"] and data["name"].strip().lower() in RESERVED_COHORT_SLUGS
        ):
            form.add_error("slug", "This short name is taken by a page; choose another.")
        else:
            try:
                cohort = services.cohort_create(
                    name=data["name"],
                    slug=data["slug"],
                    description=data["description"],
                    actor=request.user,
                )
            except DomainError as exc:
                for detail in exc.details:
                    field = detail.field if detail.field in form.fields else None
                    form.add_error(field, detail.message)
            else:
                messages.success(request, f"Cohort {cohort.name} created.")
                return redirect("console-cohort", slug=cohort.slug)
    return render(request, "console/cohort_new.html", {"form": form, "section": "cohorts"})


@admin_required
@require_POST
def cohort_rename_view(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = _cohort_or_404(slug)
    form = CohortRenameForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            services.cohort_rename(
                cohort=cohort,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                actor=request.user,
            )
        except DomainError as exc:
            _domain_error(request, exc)
        else:
            messages.success(request, "Cohort saved.")
    return redirect("console-cohort", slug=cohort.slug)


@admin_required
@require_POST
def cohort_archive_view(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = _cohort_or_404(slug)
    archived = request.POST.get("archived", "1") == "1"
    cohort = services.cohort_archive(cohort=cohort, archived=archived, actor=request.user)
    messages.success(
        request,
        f"Cohort {cohort.name} archived: it opens no project to its members now."
        if archived
        else f"Cohort {cohort.name} restored.",
    )
    return redirect("console-cohort", slug=cohort.slug)


@admin_required
@require_POST
def cohort_member_add_view(request: HttpRequest, slug: str) -> HttpResponse:
    cohort = _cohort_or_404(slug)
    form = MemberAddForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("console-cohort", slug=cohort.slug)
    email = form.cleaned_data["email"].strip().lower()
    physician = Physician.objects.select_related("user").filter(user__email__iexact=email).first()
    if physician is None:
        messages.error(request, f"Physician's e-mail: no physician has the e-mail {email}.")
    else:
        role = form.cleaned_data["role"]
        changed = services.cohort_member_add(
            cohort=cohort, physician=physician, role=role, actor=request.user
        )
        messages.success(
            request,
            f"{physician} is a {role} in {cohort.name}."
            if changed
            else f"{physician} was already a {role} in {cohort.name}.",
        )
    return redirect("console-cohort", slug=cohort.slug)


@admin_required
@require_POST
def cohort_member_remove_view(request: HttpRequest, slug: str, physician_id: int) -> HttpResponse:
    cohort = _cohort_or_404(slug)
    physician = _physician_or_404(physician_id)
    if services.cohort_member_remove(cohort=cohort, physician=physician, actor=request.user):
        messages.success(request, f"{physician} removed from {cohort.name}.")
    return redirect("console-cohort", slug=cohort.slug)
