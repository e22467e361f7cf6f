"""Staff pages: create an export, watch it build, download it, read its card."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotators.access import admin_required
from core.errors import DomainError, NotFound
from curation.reviewing.rendering import markdown_render

from . import access, selectors, services, storage
from .forms import ExportForm


def _export_or_404(request, export_id: int):
    try:
        return selectors.export_for_actor(user=request.user, token=None, export_id=export_id)
    except NotFound:
        raise Http404("No such export.")


@admin_required
@require_http_methods(["GET", "POST"])
def export_list(request):
    projects = access.projects_for_actor(user=request.user, token=None)
    form = ExportForm(request.POST or None, projects=projects)
    if request.method == "POST" and form.is_valid():
        try:
            export = services.export_create(actor=request.user, **form.spec())
        except DomainError as exc:
            for detail in exc.details:
                form.add_error(None, str(detail))
        else:
            messages.success(request, f"Export v{export.version} is queued.")
            return redirect("export-detail", export_id=export.pk)
    exports = selectors.exports_for_actor(user=request.user, token=None)[:100]
    return render(request, "exports/list.html", {"form": form, "exports": exports})


@admin_required
@require_GET
def export_detail(request, export_id: int):
    export = _export_or_404(request, export_id)
    card_front, card_html = "", None
    if export.status == export.Status.DONE:
        with storage.open_file(prefix=export.storage_prefix, name="README.md") as f:
            card = f.read().decode()
        if card.startswith("---\n"):
            front, _, body = card[4:].partition("\n---\n")
            card_front, card = front, body
        card_html = markdown_render(card)
    return render(
        request,
        "exports/detail.html",
        {"export": export, "card_front": card_front, "card_html": card_html},
    )


@admin_required
@require_GET
def export_progress(request, export_id: int):
    export = _export_or_404(request, export_id)
    return JsonResponse(
        {
            "status": export.status,
            "rows": export.progress_rows,
            "total": export.total_rows,
            "percent": export.progress_percent,
            "error": export.error,
        }
    )


@admin_required
@require_POST
def export_retry(request, export_id: int):
    export = _export_or_404(request, export_id)
    try:
        services.export_retry(export=export, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The build is queued again.")
    return redirect("export-detail", export_id=export.pk)
