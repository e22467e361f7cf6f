"""Pages for sample criteria: write them, validate others', and (leads) settle disputes.

Thin: the project comes through the reviewer's door (same 404 for missing and forbidden), a
write through one service, and a DomainError goes back onto the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.errors import DomainError, NotFound
from curation.access import administered_projects, led_projects
from curation.criteria import selectors
from curation.criteria.grade_import import criterion_grades_post
from curation.criteria.services import criterion_create, criterion_warnings
from curation.criteria.validating import criterion_resolve, criterion_validate
from curation.models import Project, SampleCriterion
from curation.models.criteria import AXES, LEVELS
from curation.reviewing.assignment import physician_for_review
from curation.reviewing.selectors import project_for_member


def _project_for_physician(request: HttpRequest, slug: str) -> Project:
    try:
        project = project_for_member(request.user, slug)
    except NotFound:
        raise Http404("No such project.")
    try:
        physician_for_review(request.user)
    except DomainError as exc:
        raise PermissionDenied(exc.message)
    return project


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def criteria_write(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_for_physician(request, slug)
    try:
        sample = selectors.sample_for_author(
            project, request.POST.get("sample") or request.GET.get("sample")
        )
    except NotFound:
        raise Http404("No such sample.")
    form = {"axis": "accuracy", "level": "example", "points": "", "text": "", "tags": ""}
    error = None
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in form}
        try:
            criterion_create(
                sample=sample,
                text=form["text"],
                points=_int(form["points"]) if form["points"] != "" else None,
                axis=form["axis"],
                level=form["level"],
                tags=[t.strip() for t in form["tags"].split(",") if t.strip()],
                actor=request.user,
            )
        except DomainError as exc:
            error = exc
        else:
            for warning in criterion_warnings(form["text"]):
                messages.warning(request, f"Saved, but the criterion {warning}.")
            messages.success(request, "Criterion added.")
            url = reverse("criteria-write", args=[project.slug])
            return redirect(f"{url}?sample={sample.external_id}")
    following = selectors.sample_after(project, sample)
    return render(
        request,
        "curation/criteria_write.html",
        {
            "project": project,
            "sample": sample,
            "criteria": selectors.criteria_of_sample(sample),
            "next_sample": following,
            "axes": AXES,
            "levels": LEVELS,
            "form": form,
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def criteria_validate(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_for_physician(request, slug)
    error = None
    if request.method == "POST":
        criterion = SampleCriterion.objects.filter(
            pk=_int(request.POST.get("criterion")), sample__project=project
        ).first()
        if criterion is None:
            raise Http404("No such criterion.")
        try:
            criterion_validate(
                criterion=criterion,
                validator=request.user,
                decision=request.POST.get("decision", ""),
                suggested_text=request.POST.get("suggested_text", ""),
                comment=request.POST.get("comment", ""),
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, "Judgement saved.")
            return redirect("criteria-validate", slug=project.slug)
    criterion = selectors.criterion_to_validate(request.user, project)
    return render(
        request,
        "curation/criteria_validate.html",
        {
            "project": project,
            "criterion": criterion,
            "sample": criterion.sample if criterion else None,
            "others": selectors.criteria_of_sample(criterion.sample).exclude(pk=criterion.pk)
            if criterion
            else [],
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def criteria_grade(request: HttpRequest, slug: str) -> HttpResponse:
    """A physician marks each validated criterion of a response met or not met."""
    project = _project_for_physician(request, slug)
    error = None
    if request.method == "POST":
        sample_id = request.POST.get("sample", "")
        marks = [
            {"criterion": _int(key.removeprefix("met_")), "met": value == "yes"}
            for key, value in request.POST.items()
            if key.startswith("met_") and value in ("yes", "no")
        ]
        try:
            criterion_grades_post(
                project=project,
                data={"sample_id": sample_id, "criteria": marks},
                grader={"physician": request.user},
                actor=request.user,
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, "Grades saved.")
            return redirect("criteria-grade", slug=project.slug)
    sample = selectors.sample_to_grade(request.user, project)
    return render(
        request,
        "curation/criteria_grade.html",
        {
            "project": project,
            "sample": sample,
            "criteria": selectors.kept_criteria(sample) if sample else [],
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def criteria_disputed(request: HttpRequest) -> HttpResponse:
    """Disputed criteria of the projects this user leads (or administers)."""
    projects = led_projects(request.user) | administered_projects(request.user)
    if not projects.exists():
        raise PermissionDenied("Only leads settle disputed criteria.")
    if request.method == "POST":
        criterion = SampleCriterion.objects.filter(
            pk=_int(request.POST.get("criterion")),
            sample__project__in=projects,
        ).first()
        if criterion is None:
            raise Http404("No such criterion.")
        try:
            criterion_resolve(
                criterion=criterion,
                actor=request.user,
                decision=request.POST.get("decision", ""),
                text=request.POST.get("text") or None,
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Criterion settled.")
        return redirect("criteria-disputed")
    return render(
        request,
        "curation/criteria_disputed.html",
        {"criteria": selectors.disputed_for_lead(projects)},
    )
