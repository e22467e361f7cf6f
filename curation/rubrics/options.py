"""The answer options of a criterion, defined once for every surface that offers them.

The review form, the adjudication page and the Label Studio config all list a criterion's
choices from here: the value a choice stands for (what a form posts and what Label Studio stores
as the choice's alias), the text shown, and the key that picks it on the review page. The grade
a value means (and back) is here too, so the surfaces cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..models import Criterion

MET, NOT_MET, NA = "met", "not_met", "na"
NA_LABEL = "Not applicable"
NA_HOTKEY = "x"
SCALE_SEPARATOR = " · "


@dataclass(frozen=True)
class Option:
    value: str  # the form value and the Label Studio alias
    label: str  # the text shown
    hotkey: str = ""


def _met_label(criterion: Criterion) -> str:
    if criterion.kind == Criterion.Kind.POINTS and criterion.points:
        return f"Met ({criterion.points:+d} points)"
    return "Met"


def criterion_options(
    criterion: Criterion, *, separator: str = SCALE_SEPARATOR, with_na: bool = True
) -> list[Option]:
    """The choices a criterion offers, in order, each with the key that picks it.

    `separator` joins a scale point to its label ("3 · Severe"); `with_na` adds "not applicable"
    where the criterion allows it.
    """
    kind = criterion.kind
    options: list[Option] = []
    if kind in (Criterion.Kind.BINARY, Criterion.Kind.POINTS):
        options = [Option(MET, _met_label(criterion), "y"), Option(NOT_MET, "Not met", "n")]
    elif kind == Criterion.Kind.ORDINAL:
        labels = criterion.labels or {}
        for value in range(criterion.min_value, criterion.max_value + 1):
            text = labels.get(str(value))
            options.append(
                Option(
                    str(value),
                    f"{value}{separator}{text}" if text else str(value),
                    str(value) if 0 <= value <= 9 else "",
                )
            )
    elif kind == Criterion.Kind.NOMINAL:
        for position, choice in enumerate(criterion.choices or [], start=1):
            label = str(choice).replace("_", " ").capitalize()
            options.append(Option(str(choice), label, str(position) if position <= 9 else ""))
    if with_na and criterion.allow_na:
        options.append(Option(NA, NA_LABEL, NA_HOTKEY))
    return options


def grade_to_value(criterion: Criterion, grade: Any) -> str:
    """A stored grade as the option value that shows it ("" for no grade)."""
    if grade is None:
        return NA if criterion.allow_na else ""
    if isinstance(grade, bool):
        return MET if grade else NOT_MET
    return str(grade)


def value_to_grade(criterion: Criterion, value: str) -> Any:
    """An option value as a grade. Unknown values go through unchanged, so the rubric validator
    names them in its error."""
    if value == NA:
        return None
    if criterion.kind in (Criterion.Kind.BINARY, Criterion.Kind.POINTS):
        return {MET: True, NOT_MET: False}.get(value, value)
    if criterion.kind == Criterion.Kind.ORDINAL:
        return int(value) if value.lstrip("-").isdigit() else value
    if criterion.kind == Criterion.Kind.NOMINAL:
        for choice in criterion.choices or []:
            if str(choice) == value:
                return choice
    return value
