"""Runs every rule over a text and settles overlapping findings."""

from __future__ import annotations

from .contact import RULES as CONTACT_RULES
from .dates import RULES as DATE_RULES
from .names import RULES as NAME_RULES
from .numbers import RULES as NUMBER_RULES
from .places import RULES as PLACE_RULES
from .rule import Hit, Rule, View

RULES: tuple[Rule, ...] = (
    *CONTACT_RULES,
    *NUMBER_RULES,
    *DATE_RULES,
    *PLACE_RULES,
    *NAME_RULES,
)

# Which rules a word opens: a text's words pick the rules whose word gate it passes in one
# set intersection, instead of every rule testing its words against every text.
_BY_TOKEN: dict[str, list[int]] = {}
for _index, _rule in enumerate(RULES):
    for _token in _rule.tokens:
        _BY_TOKEN.setdefault(_token, []).append(_index)
_GATE_WORDS = frozenset(_BY_TOKEN)
_WITHOUT_TOKENS = tuple(i for i, rule in enumerate(RULES) if not rule.tokens)


def identifier_spans(text: str) -> list[Hit]:
    """Every likely identifier in the text, left to right, without overlaps.

    Where two rules claim the same characters the one with the stronger evidence (a cue,
    a checksum) wins, then the longer.
    """
    if not text or not isinstance(text, str):
        return []
    view = View.of(text)
    chosen = set(_WITHOUT_TOKENS)
    for token in view.tokens & _GATE_WORDS:
        chosen.update(_BY_TOKEN[token])
    candidates: list[Hit] = []
    for index in sorted(chosen):
        rule = RULES[index]
        if rule.gate(view, tokens_checked=True):
            candidates.extend(rule.hits(view))
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
