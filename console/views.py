"""Admin console pages that read work done: projects, physicians, cohorts, workload, audit log.

Staff see every page; a project admin sees the projects pages for the projects they run, and
gets 403 elsewhere; physicians get 403 (signed-out users go to the sign-in page). Objects come
through `console.selectors` and `console.people` (one door, the same 404 for missing and
forbidden); writes go through services. Charts are inline SVG drawn here, so every page works
without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from annotators.access import admin_required, is_admin
from annotators.models import Cohort, CohortMembership, Physician, Specialty
from console import audit_log, people, selectors
from console.forms import CapForm, CohortRenameForm, MemberAddForm, NoteForm, ReasonForm, VerifyForm
from core.errors import DomainError, NotFound
from curation import access
from curation.agreement import selectors as agreement_selectors
from curation.projects.workload import (
    physician_suspend_and_release,
    project_cap_set,
    project_pause,
    project_resume,
)
from curation.reviewing.selectors import reviewer_stats

PAGE_SIZE = 50
CHART_W, CHART_H, CHART_LEFT, CHART_BOTTOM = 560, 150, 28, 22
BAR_W, BAR_H = 480, 18


def console_required(view: Callable) -> Callable:
    """Staff, or a project admin; signed-out users go to sign in, anyone else gets 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not access.can_use_console(request.user):
            raise PermissionDenied("The admin console is for admins.")
        return view(request, *args, **kwargs)

    return wrapped


# --- charts -----------------------------------------------------------------------------------


def day_chart(series: list[tuple[date, int]], *, label: str) -> dict:
    """Bars of reviews per day, scaled to the busiest day, as geometry for inline SVG."""
    n = max(len(series), 1)
    top = max([count for _, count in series] + [1])
    plot_w, plot_h = CHART_W - CHART_LEFT - 4, CHART_H - CHART_BOTTOM - 14
    step = plot_w / n
    bars = []
    for i, (day, count) in enumerate(series):
        h = round(plot_h * count / top, 1)
        x = round(CHART_LEFT + i * step + step * 0.15, 1)
        bars.append(
            {
                "x": x,
                "y": round(14 + plot_h - h, 1),
                "w": round(step * 0.7, 1),
                "h": h,
                "count": count,
                "day": day,
                "label_x": round(x + step * 0.35, 1),
                "show_day": i % 2 == (n - 1) % 2,
            }
        )
    return {
        "bars": bars,
        "width": CHART_W,
        "height": CHART_H,
        "top": top,
        "base_y": 14 + plot_h,
        "left": CHART_LEFT,
        "day_y": CHART_H - 6,
        "total": sum(count for _, count in series),
        "label": label,
    }


def progress_bar(progress: dict) -> dict:
    """Settled / in review / untouched as three segments of one bar."""
    total = progress["total"] or 0
    segments, x = [], 0.0
    for key, name in (
        ("settled", "settled"),
        ("in_review", "in review"),
        ("untouched", "untouched"),
    ):
        count = progress[key]
        w = round(BAR_W * count / total, 1) if total else 0.0
        segments.append(
            {
                "key": key,
                "name": name,
                "count": count,
                "x": round(x, 1),
                "w": w,
                "pct": round(100 * count / total) if total else 0,
            }
        )
        x += w
    summary = ", ".join(f"{s['count']} {s['name']}" for s in segments)
    return {
        "segments": segments,
        "width": BAR_W,
        "height": BAR_H,
        "total": total,
        "summary": f"{summary} of {total} samples",
    }


def _decorate(row: dict) -> dict:
    row["bar"] = progress_bar(row["progress"])
    row["chart"] = day_chart(row["per_day"], label=f"Reviews per day, {row['project'].name}")
    return row


# --- projects ---------------------------------------------------------------------------------


@console_required
@require_GET
def console_home(request: HttpRequest) -> HttpResponse:
    return redirect("console-projects")


@console_required
@require_GET
def projects(request: HttpRequest) -> HttpResponse:
    rows = [_decorate(row) for row in selectors.projects_overview(request.user)]
    context = {
        "rows": rows,
        "is_staff": is_admin(request.user),
        "section": "projects",
    }
    return render(request, "console/projects.html", context)


def _project_or_404(request: HttpRequest, slug: str):
    try:
        return selectors.project_for_console(request.user, slug)
    except NotFound:
        raise Http404("No such project.")


@console_required
@require_GET
def project_detail(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_or_404(request, slug)
    row = _decorate(selectors.project_detail(project))
    context = {
        "project": project,
        "row": row,
        "cap_form": CapForm(initial={"cap": project.per_physician_cap}),
        "is_staff": is_admin(request.user),
        "latest_report": agreement_selectors.latest_report(project),
        "section": "projects",
    }
    return render(request, "console/project_detail.html", context)


@console_required
@require_POST
def project_pause_view(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_or_404(request, slug)
    try:
        if project_pause(project=project, actor=request.user):
            messages.success(request, f"{project.name} is paused: no new samples are served.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("console-project", slug=project.slug)


@console_required
@require_POST
def project_resume_view(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_or_404(request, slug)
    try:
        if project_resume(project=project, actor=request.user):
            messages.success(request, f"{project.name} is active again.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("console-project", slug=project.slug)


@console_required
@require_POST
def project_cap_view(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_or_404(request, slug)
    form = CapForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("cap", []):
            messages.error(request, f"Per-physician cap: {error}")
    else:
        cap = form.cleaned_data["cap"]
        project_cap_set(project=project, per_physician_cap=cap, actor=request.user)
        text = "no cap" if cap is None else f"at most {cap} reviews per physician"
        messages.success(request, f"{project.name}: {text}.")
    if request.POST.get("next") == "workload" and is_admin(request.user):
        return redirect("console-workload")
    return redirect("console-project", slug=project.slug)


# --- physicians -------------------------------------------------------------------------------


@admin_required
@require_GET
def physicians(request: HttpRequest) -> HttpResponse:
    filters = {
        name: request.GET.get(name, "").strip()
        for name in ("q", "status", "verification", "specialty", "cohort")
    }
    found = people.physicians_for_console(request.user, **filters)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "statuses": Physician.Status.choices,
        "verifications": Physician.Verification.choices,
        "specialties": Specialty.objects.order_by("name").values_list("code", "name"),
        "cohorts": Cohort.objects.order_by("archived", "name").values_list("slug", "name"),
        "section": "physicians",
    }
    return render(request, "console/physicians.html", context)


def _physician_or_404(request: HttpRequest, physician_id: int) -> Physician:
    try:
        return people.physician_for_console(request.user, physician_id)
    except NotFound:
        raise Http404("No such physician.")


@admin_required
@require_GET
def physician_detail(request: HttpRequest, physician_id: int) -> HttpResponse:
    physician = _physician_or_404(request, physician_id)
    user = physician.user
    context = {
        "physician": physician,
        "stats": reviewer_stats(user),
        "by_project": people.physician_reviews_by_project(physician),
        "agreement": agreement_selectors.own_agreement(user),
        "quality": agreement_selectors.own_quality(user),
        "activity": audit_log.log_lines(people.physician_activity(physician)),
        "verify_form": VerifyForm.for_physician(physician),
        "suspend_form": ReasonForm(),
        "reinstate_form": NoteForm(),
        "cap_form": CapForm(initial={"cap": physician.daily_cap}),
        "pending": physician.status == Physician.Status.INVITED and not user.has_usable_password(),
        "section": "physicians",
    }
    return render(request, "console/physician_detail.html", context)


@admin_required
@require_POST
def physician_suspend_view(request: HttpRequest, physician_id: int) -> HttpResponse:
    """Suspend, and sign the physician out of the queue: their leases go back to the pool."""
    physician = _physician_or_404(request, physician_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Reason: give the reason for the suspension; it is recorded.")
        return redirect("console-physician", physician_id=physician.pk)
    try:
        physician, released = physician_suspend_and_release(
            physician=physician, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        messages.error(request, str(exc.details[0]))
    else:
        leases = f"{released} sample{'s' if released != 1 else ''} in hand went back to the queue"
        messages.success(request, f"{physician} is suspended; {leases}.")
    return redirect("console-physician", physician_id=physician.pk)


# --- cohorts ----------------------------------------------------------------------------------


@admin_required
@require_GET
def cohorts(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "active")
    archived = {"active": False, "archived": True}.get(show)
    context = {"cohorts": people.cohorts_for_console(request.user, archived=archived)}
    return render(request, "console/cohorts.html", {**context, "show": show, "section": "cohorts"})


@admin_required
@require_GET
def cohort_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        cohort = people.cohort_for_console(request.user, slug)
    except NotFound:
        raise Http404("No such cohort.")
    detail = people.cohort_detail(cohort)
    context = {
        "cohort": cohort,
        **detail,
        "chart": day_chart(detail["per_day"], label=f"Reviews per day, {cohort.name}"),
        "rename_form": CohortRenameForm(
            initial={"name": cohort.name, "description": cohort.description}
        ),
        "member_form": MemberAddForm(initial={"role": CohortMembership.Role.REVIEWER}),
        "section": "cohorts",
    }
    return render(request, "console/cohort_detail.html", context)


# --- workload and the audit log ---------------------------------------------------------------


@admin_required
@require_GET
def workload(request: HttpRequest) -> HttpResponse:
    context = {**selectors.workload(request.user), "section": "workload"}
    return render(request, "console/workload.html", context)


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


AUDIT_PAGE_SIZE = 25


@admin_required
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    filters = {name: request.GET.get(name, "").strip() for name in ("actor", "action", "type")}
    dates = {name: request.GET.get(name, "").strip() for name in ("from", "to")}
    bad = [name for name, value in dates.items() if value and _date(value) is None]
    events = selectors.audit_events(
        request.user,
        actor=filters["actor"],
        action=filters["action"],
        object_type=filters["type"],
        date_from=_date(dates["from"]),
        date_to=_date(dates["to"]),
    )
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "events": audit_log.log_lines(page.object_list),
        "filters": {**filters, **dates},
        "action_choices": audit_log.action_choices(),
        "type_choices": audit_log.object_type_choices(),
        "bad_dates": bad,
        "query": query.urlencode(),
        "section": "audit",
    }
    return render(request, "console/audit.html", context)


@login_required
@require_GET
def my_activity(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.own_activity(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "events": audit_log.log_lines(page.object_list)}
    return render(request, "console/my_activity.html", context)
