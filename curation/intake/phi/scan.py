"""Runs every rule over a text and settles overlapping findings."""

from __future__ import annotations

from . import contact, dates, names, numbers, places
from .rule import Hit, Rule, View

RULES: tuple[Rule, ...] = (
    *contact.RULES,
    *numbers.RULES,
    *dates.RULES,
    *places.RULES,
    *names.RULES,
)


def identifier_spans(text: str) -> list[Hit]:
    """Every likely identifier in the text, left to right, without overlaps.

    Where two rules claim the same characters the one with the stronger evidence (a cue,
    a checksum) wins, then the longer.
    """
    if not text or not isinstance(text, str):
        return []
    view = View.of(text)
    candidates: list[Hit] = []
    for rule in RULES:
        if rule.gate(view):
            candidates.extend(rule.hits(text))
    if len(candidates) < 2:
        return candidates
    candidates.sort(key=lambda h: (-h.priority, -(h.end - h.start), h.start))
    kept: list[Hit] = []
    for hit in candidates:
        if all(hit.end <= k.start or hit.start >= k.end for k in kept):
            kept.append(hit)
    kept.sort(key=lambda h: h.start)
    return kept


def identifiers_in(text: str) -> set[str]:
    """The kinds of identifier found in one text."""
    return {hit.kind for hit in identifier_spans(text)}


def redact_text(text: str, *, mask: str = "[REDACTED]") -> tuple[str, int]:
    """The text with every detected identifier replaced by `mask`, and how many were replaced."""
    hits = identifier_spans(text)
    for hit in reversed(hits):
        text = text[: hit.start] + mask + text[hit.end :]
    return text, len(hits)
