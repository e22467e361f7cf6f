"""Label Studio annotation results <-> Rounds review fields, for every control the config uses.

`result_to_review` only translates; the rubric rules (every criterion answered, a correction when
the verdict is revise, ...) are checked by the one review validator when the review is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.errors import DomainError, ErrorDetail
from curation.models import Criterion

from .config import (
    ANSWER,
    CORRECTED_ANSWER,
    NOT_APPLICABLE,
    RATIONALE,
    VERDICT,
    VERDICT_CHOICES,
    criterion_control,
)


@dataclass
class MappedReview:
    grades: dict[str, Any] = field(default_factory=dict)
    verdict: str = ""
    corrected_answer: str = ""
    rationale: str = ""


def _choice_lookup(options: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Displayed text or alias (case-insensitive) -> alias."""
    lookup: dict[str, str] = {}
    for alias, text in options:
        lookup[text.casefold()] = alias
        lookup[alias.casefold()] = alias
    return lookup


def _single_choice(item: Mapping, name: str) -> str:
    chosen = (item.get("value") or {}).get("choices")
    if not isinstance(chosen, list) or len(chosen) != 1:
        raise DomainError(f"expects exactly one choice, got {chosen!r}", field=name)
    return str(chosen[0])


def _text_value(item: Mapping, name: str) -> str:
    text = (item.get("value") or {}).get("text")
    if isinstance(text, str):
        return text
    if isinstance(text, list) and all(isinstance(t, str) for t in text):
        return "\n".join(text)
    raise DomainError(f"expects text, got {text!r}", field=name)


def _grade(criterion: Criterion, item: Mapping) -> Any:
    """The Rounds value of one criterion's result item."""
    control = criterion_control(criterion)
    name = criterion.key
    kind = item.get("type", "")
    if kind == "rating":
        rating = (item.get("value") or {}).get("rating")
        if (
            criterion.kind != Criterion.Kind.ORDINAL
            or isinstance(rating, bool)
            or not isinstance(rating, int)
        ):
            raise DomainError(
                f"a rating of {rating!r} cannot grade a {criterion.kind} criterion", field=name
            )
        return rating
    if kind != "choices":
        raise DomainError(f"expects a choices or rating result, got {kind!r}", field=name)
    raw = _single_choice(item, name)
    options = (
        control.options
        if control.tag == "Choices"
        else tuple((str(v), str(v)) for v in criterion.categories())
    )
    alias = _choice_lookup(options + ((NOT_APPLICABLE,) if criterion.allow_na else ())).get(
        raw.casefold()
    )
    if alias is None:
        allowed = ", ".join(text for _, text in options)
        raise DomainError(f"{raw!r} is not one of the choices ({allowed})", field=name)
    if alias == NOT_APPLICABLE[0]:
        return None
    if criterion.kind in (Criterion.Kind.BINARY, Criterion.Kind.POINTS):
        return alias == "met"
    if criterion.kind == Criterion.Kind.ORDINAL:
        return int(alias)
    # Nominal: the rubric's own value, whatever its type.
    return next(c for c in criterion.choices if str(c) == alias)


def result_to_review(
    result: Iterable[Mapping] | None, criteria: Iterable[Criterion]
) -> MappedReview:
    """Translate an annotation's `result` list; raises one DomainError naming every bad control."""
    by_key = {c.key: c for c in criteria}
    verdicts = _choice_lookup(VERDICT_CHOICES)
    mapped = MappedReview()
    errors: list[ErrorDetail] = []
    if not isinstance(result, list):
        raise DomainError(
            f"the annotation result must be a list, got {type(result).__name__}", field="result"
        )
    for item in result:
        name = item.get("from_name") if isinstance(item, Mapping) else None
        try:
            if name in by_key:
                mapped.grades[name] = _grade(by_key[name], item)
            elif name == VERDICT:
                raw = _single_choice(item, name)
                mapped.verdict = verdicts.get(raw.casefold(), raw)
            elif name == CORRECTED_ANSWER:
                mapped.corrected_answer = _text_value(item, name)
            elif name == RATIONALE:
                mapped.rationale = _text_value(item, name)
            else:
                raise DomainError(
                    "is not a control of this project's labelling config",
                    field=str(name),
                    code="unknown",
                )
        except DomainError as exc:
            errors.extend(ErrorDetail(d.message, d.field, code=d.code) for d in exc.details)
    if errors:
        raise DomainError.many(errors)
    return mapped


def review_to_result(
    *,
    criteria: Iterable[Criterion],
    grades: Mapping[str, Any],
    verdict: str,
    corrected_answer: str = "",
    rationale: str = "",
) -> list[dict]:
    """The annotation `result` Label Studio would store for a review (the reverse mapping)."""
    result: list[dict] = []

    def item(name: str, kind: str, value: dict) -> dict:
        return {"from_name": name, "to_name": ANSWER, "type": kind, "value": value}

    for criterion in criteria:
        if criterion.key not in grades:
            continue
        value = grades[criterion.key]
        control = criterion_control(criterion)
        if control.tag == "Rating":
            result.append(item(criterion.key, "rating", {"rating": int(value)}))
            continue
        if value is None:
            alias = NOT_APPLICABLE[0]
        elif criterion.kind in (Criterion.Kind.BINARY, Criterion.Kind.POINTS):
            alias = "met" if value else "not_met"
        else:
            alias = str(value)
        result.append(item(criterion.key, "choices", {"choices": [alias]}))
    if verdict:
        result.append(item(VERDICT, "choices", {"choices": [verdict]}))
    if corrected_answer:
        result.append(item(CORRECTED_ANSWER, "textarea", {"text": [corrected_answer]}))
    if rationale:
        result.append(item(RATIONALE, "textarea", {"text": [rationale]}))
    return result
