"""Console pages that set a project up: create it from its project file or the rubric builder,
preview the reviewer's page, and upload samples with a progress bar.

Creating a project is for staff (a project admin runs projects that exist). The file and the
builder post the same project document to `curation.projects.services.project_load`, so the
validation and its errors (file, line and field) are those of `manage.py load_project`. The
upload page posts the file to the import API itself (`api-samples-import`), which answers with
the import result or its line-numbered errors; the page only shows the progress and the answer.
"""

from __future__ import annotations

import orjson
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotators.access import admin_required
from console import selectors
from console.views import console_required
from core.errors import DomainError, NotFound
from curation.access import can_import_samples
from curation.intake.formats import FORMATS
from curation.models import Criterion
from curation.models.review import Verdict
from curation.projects.files import ProjectFile, project_validate
from curation.projects.services import project_load
from curation.reviewing.forms import ReviewForm

MAX_PROJECT_FILE = 1_000_000


def _document(request: HttpRequest) -> tuple[bytes, str] | None:
    """The project file sent: an upload, else the pasted or built text."""
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size > MAX_PROJECT_FILE:
            raise DomainError("is larger than 1 MB; a project file is a page of YAML", field="file")
        return upload.read(), upload.name
    text = request.POST.get("document", "")
    if text.strip():
        source = request.POST.get("source") == "builder"
        return text.encode(), "rubric builder" if source else "pasted project file"
    return None


@admin_required
@require_http_methods(["GET", "POST"])
def project_new(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    tab = request.POST.get("source") or request.GET.get("tab") or "file"
    if request.method == "POST":
        try:
            document = _document(request)
            if document is None:
                raise DomainError("upload a project file, paste one, or build the rubric below")
            data, filename = document
            result = project_load(data=data, actor=request.user, filename=filename)
        except DomainError as exc:
            errors = [str(detail) for detail in exc.details]
        else:
            messages.success(request, result.summary())
            return redirect("console-project", slug=result.project.slug)
    context = {
        "errors": errors,
        "tab": tab,
        "pasted": request.POST.get("document", "") if tab == "file" else "",
        "built": request.POST.get("document", "") if tab == "builder" else "",
        "kinds": Criterion.Kind.choices,
        "section": "projects",
    }
    return render(request, "console/project_new.html", context, status=400 if errors else 200)


def _preview_criteria(spec: dict) -> list[Criterion]:
    return [Criterion(position=i, **c) for i, c in enumerate(spec["rubric"]["criteria"])]


@admin_required
@require_POST
def project_preview(request: HttpRequest) -> HttpResponse:
    """The reviewer's rubric as the builder's document would show it; nothing is written."""
    try:
        data = orjson.loads(request.body or b"null")
        spec = project_validate(ProjectFile(data=data, filename="rubric builder"))
    except orjson.JSONDecodeError:
        errors = ["the builder sent something that is not JSON"]
    except DomainError as exc:
        errors = [str(detail) for detail in exc.details]
    else:
        form = ReviewForm(criteria=_preview_criteria(spec))
        context = {
            "form": form,
            "rubric": {"name": spec["rubric"]["name"]},
            "verdicts": Verdict.choices,
            "readonly": True,
            "guidelines": spec["guidelines"],
            "name": spec["name"],
        }
        return render(request, "console/_project_preview.html", context)
    return render(request, "console/_project_preview.html", {"errors": errors}, status=400)


@console_required
@require_GET
def samples_upload(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        project = selectors.project_for_console(request.user, slug)
    except NotFound:
        raise Http404("No such project.")
    if not can_import_samples(request.user, project):
        raise Http404("No such project.")
    context = {
        "project": project,
        "formats": list(FORMATS),
        "api_url": reverse("api-samples-import", kwargs={"slug": project.slug}),
        "section": "projects",
    }
    return render(request, "console/samples_upload.html", context)
