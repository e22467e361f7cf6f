"""Forms of the admin console's physician and cohort pages."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms

from annotators.models import Cohort, CohortMembership, Physician, Specialty


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    name = forms.CharField(label="Full name", max_length=300)
    specialties = forms.ModelMultipleChoiceField(
        label="Specialties",
        queryset=Specialty.objects.order_by("name"),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="A physician is served samples of these specialties.",
    )
    licence_number = forms.CharField(label="Licence number", max_length=64, required=False)
    jurisdiction = forms.CharField(
        label="Jurisdiction", max_length=64, required=False, help_text="e.g. CA, NY, GMC-UK."
    )
    cohort = forms.ModelChoiceField(
        label="Cohort",
        queryset=Cohort.objects.filter(archived=False).order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="(none)",
    )
    role = forms.ChoiceField(
        label="Role in the cohort", choices=CohortMembership.Role.choices, initial="reviewer"
    )
    resend = forms.BooleanField(
        label="Send the invitation again if this physician has not accepted yet",
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("licence_number") and not cleaned.get("jurisdiction"):
            self.add_error("jurisdiction", "Give the jurisdiction that issued the licence.")
        return cleaned


class PhysiciansImportForm(forms.Form):
    file = forms.FileField(
        label="Physicians CSV",
        help_text="Columns: email, name, specialties, licence_number, jurisdiction, cohort, role.",
    )
    resend = forms.BooleanField(
        label="Send invitations again to physicians who have not accepted yet", required=False
    )


class VerifyForm(forms.Form):
    licence_number = forms.CharField(label="Licence number", max_length=64)
    jurisdiction = forms.CharField(label="Jurisdiction", max_length=64)
    note = forms.CharField(
        label="Evidence",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Where you checked: the register, the entry, what it said.",
    )

    @classmethod
    def for_physician(cls, physician: Physician) -> VerifyForm:
        return cls(
            initial={
                "licence_number": physician.licence_number,
                "jurisdiction": physician.licence_jurisdiction,
            }
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Note", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CapForm(forms.Form):
    """One cap: a whole number of reviews, or empty for no cap."""

    cap = forms.IntegerField(
        label="Cap", min_value=0, max_value=100_000, required=False, help_text="Empty: no cap."
    )


class CohortForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    slug = forms.SlugField(
        label="Short name (slug)",
        max_length=64,
        required=False,
        help_text="Used in links and CSVs; made from the name if empty.",
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CohortRenameForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MemberAddForm(forms.Form):
    email = forms.EmailField(label="Physician's e-mail")
    role = forms.ChoiceField(label="Role", choices=CohortMembership.Role.choices)


EXPIRY_CHOICES = [
    ("30", "In 30 days"),
    ("90", "In 90 days"),
    ("365", "In a year"),
    ("never", "Never"),
]


class TokenForm(forms.Form):
    """A personal API token: what it is for, and when it stops working."""

    name = forms.CharField(
        label="Token name",
        max_length=100,
        help_text="Where it is used, e.g. “evaluation notebook”.",
    )
    expires = forms.ChoiceField(label="Expires", choices=EXPIRY_CHOICES, initial="90")

    def expires_at(self, now: datetime) -> datetime | None:
        days = self.cleaned_data["expires"]
        return None if days == "never" else now + timedelta(days=int(days))


class PipelineTokenForm(TokenForm):
    name = forms.CharField(
        label="Token name",
        max_length=100,
        help_text="The pipeline that uses it, e.g. “sft-nightly”.",
    )
    projects = forms.ModelMultipleChoiceField(
        label="Projects it may export",
        queryset=None,
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["projects"].queryset = projects
