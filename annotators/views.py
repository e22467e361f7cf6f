"""Physician-facing pages of the annotators app: accepting an invitation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from core.errors import DomainError

from .forms import InvitationAcceptForm
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
