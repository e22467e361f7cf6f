"""The export spec: what a build reads. Validated once, stored normalised, never re-interpreted."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.dateparse import parse_date

from core.errors import DomainError, ErrorDetail

from .models import DatasetFormat, FileFormat

VERDICTS = ("accept", "revise", "reject")
GOLD_CHOICES = ("include", "exclude", "only")


def _fraction(value: Any, field: str, errors: list[ErrorDetail], *, open_upper: bool = False):
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.append(ErrorDetail(f"must be a number from 0 to 1, got {value!r}", field))
        return None
    if not 0 <= number <= 1 or (open_upper and not 0 < number < 1):
        bounds = "strictly between 0 and 1" if open_upper else "from 0 to 1"
        errors.append(ErrorDetail(f"must be {bounds}, got {number}", field))
        return None
    return number


def _date(value: Any, field: str, errors: list[ErrorDetail]) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    parsed = parse_date(str(value)) if isinstance(value, str) else None
    if parsed is None:
        errors.append(ErrorDetail(f"must be a date as YYYY-MM-DD, got {value!r}", field))
        return None
    return parsed.isoformat()


def _codes(value: Any, field: str, allowed: set[str] | None, errors: list[ErrorDetail]):
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors.append(ErrorDetail("must be a list of strings", field))
        return []
    if allowed is not None:
        unknown = sorted(set(value) - allowed)
        if unknown:
            errors.append(
                ErrorDetail(
                    f"unknown value(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}",
                    field,
                )
            )
    return sorted(set(value))


def spec_normalise(
    *,
    format: str,
    file_format: str,
    filters: dict | None,
    split: dict | None,
    specialty_codes: set[str],
) -> dict:
    """Check a requested spec and return its canonical form; one DomainError lists every problem."""
    errors: list[ErrorDetail] = []
    if format not in DatasetFormat.values:
        errors.append(
            ErrorDetail(
                f"must be one of {', '.join(DatasetFormat.values)}, got {format!r}", "format"
            )
        )
    if file_format not in FileFormat.values:
        errors.append(
            ErrorDetail(
                f"must be one of {', '.join(FileFormat.values)}, got {file_format!r}", "file_format"
            )
        )
    filters = dict(filters or {})
    known = {
        "settled_only",
        "verdicts",
        "specialties",
        "settled_from",
        "settled_to",
        "gold",
        "min_confidence",
        "min_agreement",
    }
    for key in sorted(set(filters) - known):
        errors.append(ErrorDetail("is not a known filter", f"filters.{key}", code="unknown"))
    gold = filters.get("gold") or "exclude"
    if gold not in GOLD_CHOICES:
        errors.append(
            ErrorDetail(f"must be one of {', '.join(GOLD_CHOICES)}, got {gold!r}", "filters.gold")
        )
    clean_filters = {
        "settled_only": bool(filters.get("settled_only", True)),
        "verdicts": _codes(filters.get("verdicts"), "filters.verdicts", set(VERDICTS), errors),
        "specialties": _codes(
            filters.get("specialties"), "filters.specialties", specialty_codes, errors
        ),
        "settled_from": _date(filters.get("settled_from"), "filters.settled_from", errors),
        "settled_to": _date(filters.get("settled_to"), "filters.settled_to", errors),
        "gold": gold,
        "min_confidence": _fraction(
            filters.get("min_confidence"), "filters.min_confidence", errors
        ),
        "min_agreement": _fraction(filters.get("min_agreement"), "filters.min_agreement", errors),
    }
    if (
        clean_filters["settled_from"]
        and clean_filters["settled_to"]
        and clean_filters["settled_from"] > clean_filters["settled_to"]
    ):
        errors.append(ErrorDetail("must not be after settled_to", "filters.settled_from"))
    clean_split = None
    if split:
        if not isinstance(split, dict):
            errors.append(ErrorDetail("must be an object {validation, seed}", "split"))
        else:
            fraction = _fraction(
                split.get("validation"), "split.validation", errors, open_upper=True
            )
            seed = split.get("seed", 0)
            if isinstance(seed, bool) or not isinstance(seed, int):
                errors.append(ErrorDetail(f"must be an integer, got {seed!r}", "split.seed"))
            elif fraction is not None:
                clean_split = {"validation": fraction, "seed": seed}
    if errors:
        raise DomainError.many(errors)
    return {"filters": clean_filters, "split": clean_split}
