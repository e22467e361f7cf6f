"""The staff page's form for a new export; the service validates the spec itself."""

from __future__ import annotations

from django import forms

from annotators.models import Specialty

from .models import DatasetFormat, FileFormat


class ExportForm(forms.Form):
    project = forms.ModelChoiceField(queryset=None, to_field_name="slug")
    format = forms.ChoiceField(choices=DatasetFormat.choices)
    file_format = forms.ChoiceField(choices=FileFormat.choices)
    verdicts = forms.MultipleChoiceField(
        choices=[("accept", "Accept"), ("revise", "Revise"), ("reject", "Reject")],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty for every verdict.",
    )
    specialties = forms.ModelMultipleChoiceField(
        queryset=Specialty.objects.all(), to_field_name="code", required=False
    )
    gold = forms.ChoiceField(
        choices=[("exclude", "Leave out gold items"), ("include", "Include"), ("only", "Only")]
    )
    settled_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    settled_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    min_confidence = forms.FloatField(required=False, min_value=0, max_value=1)
    min_agreement = forms.FloatField(required=False, min_value=0, max_value=1)
    validation = forms.FloatField(
        required=False, min_value=0, max_value=0.99, label="Validation share (e.g. 0.1)"
    )
    seed = forms.IntegerField(required=False, initial=0)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects

    def spec(self) -> dict:
        data = self.cleaned_data
        filters = {
            "verdicts": list(data["verdicts"]),
            "specialties": [s.code for s in data["specialties"]],
            "gold": data["gold"],
            "settled_from": data["settled_from"],
            "settled_to": data["settled_to"],
            "min_confidence": data["min_confidence"],
            "min_agreement": data["min_agreement"],
        }
        split = None
        if data["validation"]:
            split = {"validation": data["validation"], "seed": data["seed"] or 0}
        return {
            "project": data["project"],
            "format": data["format"],
            "file_format": data["file_format"],
            "filters": filters,
            "split": split,
        }
