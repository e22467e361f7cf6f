"""Forms of the reviewer pages. The rubric itself is checked by `curation.rubrics.validation` in
the service; these forms only carry what the physician chose to it and put its errors back next
to each field.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms

from core.errors import DomainError
from curation.models import Criterion
from curation.models.review import SkipReason, Verdict
from curation.rubrics.options import Option, criterion_options, value_to_grade

GRADE_PREFIX = "grade_"


@dataclass
class CriterionRow:
    """One criterion as a radio group: its options, the chosen value and its errors."""

    criterion: Criterion
    options: list[Option]
    value: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{GRADE_PREFIX}{self.criterion.key}"


class ReviewForm(forms.Form):
    """Grades, verdict, correction and rationale; also used to amend a submitted review."""

    verdict = forms.ChoiceField(
        choices=Verdict.choices, required=False, widget=forms.RadioSelect, label="Verdict"
    )
    corrected_answer = forms.CharField(
        required=False, widget=forms.Textarea, label="Corrected answer", strip=False
    )
    rationale = forms.CharField(required=False, widget=forms.Textarea, label="Rationale")
    client_key = forms.CharField(required=False, widget=forms.HiddenInput, max_length=100)

    def __init__(
        self,
        *args: Any,
        criteria: Iterable[Criterion],
        grades: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client_key"].initial = uuid.uuid4().hex
        self.rows: list[CriterionRow] = []
        for criterion in criteria:
            row = CriterionRow(criterion=criterion, options=criterion_options(criterion))
            if self.is_bound:
                row.value = str(self.data.get(row.name, "") or "")
            elif grades:
                row.value = str(grades.get(criterion.key, "") or "")
            self.rows.append(row)

    def grades(self) -> dict[str, Any]:
        """Criterion key -> grade for every criterion the physician answered."""
        return {
            row.criterion.key: value_to_grade(row.criterion, row.value)
            for row in self.rows
            if row.value
        }

    def review_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "grades": self.grades(),
            "verdict": data.get("verdict") or "",
            "corrected_answer": data.get("corrected_answer") or "",
            "rationale": data.get("rationale") or "",
        }

    def add_domain_error(self, error: DomainError) -> None:
        """Put each detail of a service error next to the field it names."""
        rows = {f"grades.{row.criterion.key}": row for row in self.rows}
        for detail in error.details:
            if detail.field in rows:
                row = rows[detail.field]
                row.errors.append(f"{row.criterion.label} {detail.message}")
            elif detail.field == "verdict" and not self.data.get("verdict"):
                self.add_error("verdict", "Verdict is required: choose accept, revise or reject.")
            elif detail.field in ("verdict", "corrected_answer", "rationale"):
                label = self.fields[detail.field].label
                self.add_error(detail.field, f"{label} {detail.message}")
            elif detail.field and detail.field.startswith("grades."):
                self.add_error(None, f"{detail.field.removeprefix('grades.')}: {detail.message}")
            else:
                self.add_error(None, detail.message)

    @property
    def has_grade_errors(self) -> bool:
        return any(row.errors for row in self.rows)


class SkipForm(forms.Form):
    reason = forms.ChoiceField(
        choices=SkipReason.choices, widget=forms.RadioSelect, label="Why are you skipping?"
    )
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note (optional)"
    )


def draft_initial(payload: Mapping[str, Any] | None) -> tuple[dict[str, str], dict[str, str]]:
    """A saved draft as (form initial, grade values); anything malformed is ignored."""
    if not isinstance(payload, Mapping):
        return {}, {}
    initial = {
        name: payload[name]
        for name in ("verdict", "corrected_answer", "rationale")
        if isinstance(payload.get(name), str)
    }
    raw_grades = payload.get("grades")
    grades = (
        {str(k): v for k, v in raw_grades.items() if isinstance(v, str)}
        if isinstance(raw_grades, Mapping)
        else {}
    )
    return initial, grades
