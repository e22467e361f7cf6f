"""The console's page of a project's sample criteria: authoring and validation progress, criteria
per sample, the most disputed, and each model grader against the physicians."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from console import selectors
from console.views import console_required
from core.errors import NotFound
from curation.criteria import selectors as criteria_selectors


@console_required
@require_GET
def project_criteria(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        project = selectors.project_for_console(request.user, slug)
    except NotFound:
        raise Http404("No such project.")
    graders = criteria_selectors.model_graders_of(project)
    context = {
        "project": project,
        "progress": criteria_selectors.criteria_progress(project),
        "graders": [
            criteria_selectors.meta_evaluation_report(project, g, rounds=300) for g in graders
        ],
        "section": "projects",
    }
    return render(request, "console/project_criteria.html", context)
