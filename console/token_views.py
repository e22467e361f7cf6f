"""API tokens in the console: every user's own personal tokens, and staff's pipeline tokens.

A key is shown once, in the response to the POST that created it, and never stored: only its
hash is kept. Revoking is a POST; a token that is not yours (or does not exist) is the same 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from annotators.access import admin_required
from console.forms import PipelineTokenForm, TokenForm
from core import selectors as core_selectors
from core.errors import DomainError, NotFound
from core.tokens import api_token_create, api_token_revoke
from curation.models import Project
from exports import selectors as export_selectors
from exports.services import pipeline_token_create, pipeline_token_revoke


def _state(token, now) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def _rows(tokens) -> list:
    now = timezone.now()
    rows = list(tokens)
    for token in rows:
        token.state = _state(token, now)
    return rows


def _form_errors(form, exc: DomainError) -> None:
    for detail in exc.details:
        field = detail.field if detail.field in form.fields else None
        form.add_error(field, detail.message if field else str(detail))


# --- personal API tokens (every signed-in user) ---------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def my_tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, key = api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                expires_at=form.expires_at(timezone.now()),
                actor=request.user,
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            created = {"token": token, "key": key}
            form = TokenForm()
    context = {
        "form": form,
        "created": created,
        "tokens": _rows(core_selectors.api_tokens_for_user(request.user)),
    }
    return render(request, "console/my_tokens.html", context, status=200)


@login_required
@require_POST
def my_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = core_selectors.api_token_for_user(request.user, token_id)
    except NotFound:
        raise Http404("No such token.")
    if api_token_revoke(token=token, actor=request.user):
        messages.success(request, f"“{token.name}” is revoked: requests with it now fail.")
    return redirect("my-tokens")


# --- pipeline tokens (staff) ----------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def pipeline_tokens(request: HttpRequest) -> HttpResponse:
    projects = Project.objects.exclude(status=Project.Status.ARCHIVED).order_by("name")
    form = PipelineTokenForm(request.POST or None, projects=projects)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, key = pipeline_token_create(
                name=form.cleaned_data["name"],
                projects=list(form.cleaned_data["projects"]),
                actor=request.user,
                expires_at=form.expires_at(timezone.now()),
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            created = {"token": token, "key": key}
            form = PipelineTokenForm(projects=projects)
    context = {
        "form": form,
        "created": created,
        "tokens": _rows(export_selectors.pipeline_tokens_for_admin(request.user)),
        "section": "tokens",
    }
    return render(request, "console/pipeline_tokens.html", context)


@admin_required
@require_POST
def pipeline_token_revoke_view(request: HttpRequest, pipeline_token_id: int) -> HttpResponse:
    try:
        token = export_selectors.pipeline_token_for_admin(request.user, pipeline_token_id)
    except NotFound:
        raise Http404("No such token.")
    if pipeline_token_revoke(token=token, actor=request.user):
        messages.success(request, f"“{token.name}” is revoked: the pipeline can no longer export.")
    return redirect("console-pipeline-tokens")
