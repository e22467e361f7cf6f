"""Validate a review's grades, verdict, correction and rationale against a rubric.

One function serves every door a review comes through (web, API, imports, Label Studio), so a
grade that is valid in one place is valid everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from core.errors import DomainError, ErrorDetail
from curation.models.rubric import Criterion

NOT_APPLICABLE = None
VERDICTS = ("accept", "revise", "reject")


def _check_value(criterion: Criterion, value: Any) -> tuple[Any, str | None]:
    """Returns the normalised value, or an error message saying what was expected."""
    kind = criterion.kind
    if value is NOT_APPLICABLE or value == "na":
        if criterion.allow_na:
            return None, None
        return None, "is required (this criterion cannot be marked not applicable)"
    if kind in (Criterion.Kind.BINARY, Criterion.Kind.POINTS):
        if isinstance(value, bool):
            return value, None
        if value in ("met", "yes", "true"):
            return True, None
        if value in ("not_met", "no", "false"):
            return False, None
        return None, f"must be true or false (met / not met), got {value!r}"
    if kind == Criterion.Kind.ORDINAL:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.lstrip("-").isdigit():
                value = int(value)
            else:
                return None, (
                    f"must be an integer from {criterion.min_value} to {criterion.max_value}, "
                    f"got {value!r}"
                )
        if not criterion.min_value <= value <= criterion.max_value:
            return None, (
                f"must be from {criterion.min_value} to {criterion.max_value}, got {value}"
            )
        return value, None
    if kind == Criterion.Kind.NOMINAL:
        if value not in criterion.choices:
            allowed = ", ".join(map(str, criterion.choices))
            return None, f"must be one of {allowed}, got {value!r}"
        return value, None
    return None, f"has an unknown kind {kind!r}"


def grades_validate(
    criteria: Iterable[Criterion],
    grades: Mapping[str, Any] | None,
    *,
    line: int | None = None,
    file: str | None = None,
) -> tuple[dict[str, Any], list[ErrorDetail]]:
    """Normalise `grades` (criterion key -> value); every criterion must be answered."""
    errors: list[ErrorDetail] = []
    clean: dict[str, Any] = {}
    if not isinstance(grades, Mapping):
        return {}, [
            ErrorDetail("must be an object of criterion key to grade", "grades", line, file)
        ]
    criteria = list(criteria)
    known = {c.key for c in criteria}
    for criterion in criteria:
        field = f"grades.{criterion.key}"
        if criterion.key not in grades:
            errors.append(
                ErrorDetail(
                    "is missing: every criterion must be graded", field, line, file, "required"
                )
            )
            continue
        value, problem = _check_value(criterion, grades[criterion.key])
        if problem:
            errors.append(ErrorDetail(problem, field, line, file))
        else:
            clean[criterion.key] = value
    for key in grades:
        if key not in known:
            errors.append(
                ErrorDetail(
                    "is not a criterion of this rubric", f"grades.{key}", line, file, "unknown"
                )
            )
    return clean, errors


def review_validate(
    *,
    criteria: Iterable[Criterion],
    grades: Mapping[str, Any] | None,
    verdict: str,
    corrected_answer: str,
    rationale: str,
    line: int | None = None,
    file: str | None = None,
) -> dict[str, Any]:
    """Everything a review must satisfy; raises one DomainError listing every problem."""
    clean, errors = grades_validate(criteria, grades, line=line, file=file)
    if verdict not in VERDICTS:
        errors.append(
            ErrorDetail(
                f"must be one of accept, revise, reject, got {verdict!r}", "verdict", line, file
            )
        )
    corrected_answer = (corrected_answer or "").strip()
    rationale = (rationale or "").strip()
    if verdict == "revise" and not corrected_answer:
        errors.append(
            ErrorDetail(
                "is required when the verdict is revise", "corrected_answer", line, file, "required"
            )
        )
    if verdict in ("revise", "reject") and not rationale:
        errors.append(
            ErrorDetail(
                f"is required when the verdict is {verdict}", "rationale", line, file, "required"
            )
        )
    if errors:
        raise DomainError.many(errors)
    return {
        "grades": clean,
        "verdict": verdict,
        "corrected_answer": corrected_answer if verdict == "revise" else "",
        "rationale": rationale,
    }
