"""Forms of the physician-facing pages."""

from __future__ import annotations

from django import forms
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth import password_validation


class InvitationAcceptForm(forms.Form):
    """Set a password and confirm name and years in practice."""

    name = forms.CharField(label="Full name", max_length=300)
    years_in_practice = forms.IntegerField(
        label="Years in practice",
        min_value=0,
        max_value=80,
        help_text="Since completing residency or its equivalent.",
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user, *args, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter your full name.")
        return name

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class FileUploadForm(forms.Form):
    """One file, for the admin's import pages."""

    file = forms.FileField(label="File")


class PhysicianActionForm(ActionForm):
    """The admin action bar with a note: the reason for a suspension, a verification note."""

    note = forms.CharField(
        label="Note / reason",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"size": 40, "placeholder": "reason or verification note"}),
    )
