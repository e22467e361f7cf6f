"""The shape of a detection rule and of what it finds."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# The "shape" of a text: digits become 9, capitals A; lower-case letters are dropped.
# "MRN: 1234567" -> "AAA: 9999999", "42 Elm Street" -> "99 A A". Substring tests on it are
# cheap, and most identifiers leave a telling digit pattern in it.
_SHAPE = bytes.maketrans(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\t\r\n", b"9" * 10 + b"A" * 26 + b"   "
)
_SHAPE_DROP = b"abcdefghijklmnopqrstuvwxyz"
# Words for the gates: apostrophes go ("i'm" -> "im"), other punctuation separates.
_TOKENS = str.maketrans(
    {**{c: " " for c in "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\r\n"}, "'": None, "\u2019": None}
)


@dataclass(frozen=True)
class View:
    """One text as the gates see it."""

    text: str
    lowered: str
    shape: bytes
    tokens: frozenset[str]

    @classmethod
    def of(cls, text: str) -> View:
        shape = text.encode("utf-8", "replace").translate(_SHAPE, _SHAPE_DROP)
        lowered = text.lower()
        return cls(text, lowered, shape, frozenset(lowered.translate(_TOKENS).split()))


@dataclass(frozen=True)
class Hit:
    """One likely identifier: its kind and where it is (start inclusive, end exclusive)."""

    kind: str
    start: int
    end: int
    priority: int = 0


@dataclass(frozen=True)
class Rule:
    """A pattern behind a cheap gate: it runs only if the gate opens.

    The gate opens when every test given passes: one of `tokens` among the text's words, one
    of `words` in the lower-cased text, one of `shape` in the text's shape, `opens(view)`. Substring tests run at C speed, so most
    clinical text is turned away by every gate and no regular expression runs on it.
    `check` may veto a match (checksums, context); `kind_of` may choose the kind from the
    match (a fax rather than a phone number).
    """

    kind: str
    pattern: re.Pattern
    tokens: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()
    shape: tuple[bytes, ...] = ()
    opens: Callable[[View], bool] | None = None
    priority: int = 0
    check: Callable[[re.Match, str], bool] | None = None
    kind_of: Callable[[re.Match, str], str] | None = None
    group: int | str = 0

    def gate(self, view: View) -> bool:
        # Plain loops: this runs for every rule on every text, and generators cost more.
        if self.tokens and self.tokens.isdisjoint(view.tokens):
            return False
        if self.shape:
            shape = view.shape
            for needle in self.shape:
                if needle in shape:
                    break
            else:
                return False
        if self.words:
            lowered = view.lowered
            for needle in self.words:
                if needle in lowered:
                    break
            else:
                return False
        return self.opens is None or self.opens(view)

    def hits(self, text: str) -> list[Hit]:
        found = []
        for match in self.pattern.finditer(text):
            if self.check is not None and not self.check(match, text):
                continue
            kind = self.kind_of(match, text) if self.kind_of is not None else self.kind
            start, end = match.span(self.group)
            if end > start:
                found.append(Hit(kind, start, end, self.priority))
        return found


def before(text: str, match: re.Match, width: int = 40) -> str:
    """The lower-cased text just before a match, cut at the last sentence break."""
    start = match.start()
    window = text[max(0, start - width) : start].lower()
    for stop in (". ", ".\n", "; ", "\n"):
        cut = window.rfind(stop)
        if cut != -1:
            window = window[cut + len(stop) :]
    return window
