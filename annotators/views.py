"""Pages of the annotators app: accepting an invitation, and the admin's file-upload page."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from core.errors import DomainError

from .forms import FileUploadForm, InvitationAcceptForm
from .models import Physician
from .services import invitation_accept

SESSION_KEY = "_invitation_token"
SESSION_TOKEN = "set-password"


def _invited_user(uidb64: str):
    """The invited user an uid names, or None (unknown id, or already accepted)."""
    try:
        pk = urlsafe_base64_decode(uidb64).decode()
        user = get_user_model().objects.select_related("physician").get(pk=pk)
    except (ValueError, TypeError, OverflowError, get_user_model().DoesNotExist):
        return None
    physician = getattr(user, "physician", None)
    if physician is None or physician.status != Physician.Status.INVITED:
        return None
    return user


@never_cache
@sensitive_post_parameters("password1", "password2")
def invitation_accept_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Like Django's password reset: the token moves into the session so it never sits in a
    page URL (and a Referer header) while the physician fills the form."""
    user = _invited_user(uidb64)
    if token != SESSION_TOKEN:
        if user is not None and default_token_generator.check_token(user, token):
            request.session[SESSION_KEY] = token
            return redirect(request.path.replace(token, SESSION_TOKEN))
        return render(request, "annotators/invitation_invalid.html", status=404)
    session_token = request.session.get(SESSION_KEY, "")
    if user is None or not default_token_generator.check_token(user, session_token):
        return render(request, "annotators/invitation_invalid.html", status=404)
    form = InvitationAcceptForm(
        user,
        request.POST or None,
        initial={"name": user.get_full_name(), "years_in_practice": None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            invitation_accept(
                physician=user.physician,
                password=form.cleaned_data["password1"],
                name=form.cleaned_data["name"],
                years_in_practice=form.cleaned_data["years_in_practice"],
            )
        except DomainError:
            return render(request, "annotators/invitation_invalid.html", status=404)
        del request.session[SESSION_KEY]
        user.refresh_from_db()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome to Rounds. Your account is ready.")
        return redirect("home")
    return render(request, "annotators/invitation_accept.html", {"form": form, "invitee": user})


def admin_upload_view(
    model_admin,
    request: HttpRequest,
    *,
    title: str,
    help_text: str,
    handle: Callable[[UploadedFile, object], tuple[str, str]],
) -> HttpResponse:
    """An admin page that takes one file and hands it to a service.

    `handle(upload, user)` returns (success message, URL to go to) or raises DomainError, whose
    details (file, line, field, message) are listed on the page; nothing is written then.
    """
    if not (model_admin.has_add_permission(request) and model_admin.has_change_permission(request)):
        raise PermissionDenied
    form = FileUploadForm(request.POST or None, request.FILES or None)
    errors: list = []
    summary = ""
    if request.method == "POST" and form.is_valid():
        try:
            message, url = handle(form.cleaned_data["file"], request.user)
        except DomainError as exc:
            errors, summary = exc.details, exc.message
        else:
            model_admin.message_user(request, message, messages.SUCCESS)
            return redirect(url)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "help_text": help_text,
        "form": form,
        "errors": errors,
        "summary": summary,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/rounds/upload.html", context)
