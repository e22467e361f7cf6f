"""The shape of a detection rule and of what it finds."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

# The "shape" of a text: digits become 9, capitals A; lower-case letters are dropped and white
# space collapses. "MRN: 1234567" -> " AAA: 9999999 ", "42 Elm Street" -> " 99 A A ". Substring
# tests on it are cheap, and most identifiers leave a telling digit pattern in it.
_SHAPE = bytes.maketrans(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\t\r\n", b"9" * 10 + b"A" * 26 + b"   "
)
_SHAPE_DROP = b"abcdefghijklmnopqrstuvwxyz"
# Words for the gates: apostrophes go ("i'm" -> "im"), other punctuation separates.
_TOKENS = str.maketrans(
    {**{c: " " for c in '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\r\n'}, "'": None, "\u2019": None}
)


class View:
    """One text as the gates see it: lower-cased, its shape, its words; `memo` for gates that
    share a costly test."""

    __slots__ = ("text", "lowered", "shape", "tokens", "memo")

    def __init__(self, text: str) -> None:
        self.text = text
        self.lowered = text.lower()
        # Runs of white space become one space, so prose (all lower case, hence dropped) leaves
        # almost nothing to search; the spaces at both ends keep "9 " findable at the end.
        shape = text.encode("utf-8", "replace").translate(_SHAPE, _SHAPE_DROP)
        self.shape = b" " + b" ".join(shape.split()) + b" "
        self.tokens = set(self.lowered.translate(_TOKENS).split())
        self.memo: dict[str, bool] = {}

    @classmethod
    def of(cls, text: str) -> View:
        return cls(text)


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
    of `words` in the lower-cased text, one of `shape` in the text's shape, `opens(view)`.
    Substring and set tests run at C speed, so most clinical text is turned away by most
    gates and few regular expressions run on it.
    `check` may veto a match (checksums, context); `kind_of` may choose the kind from the
    match (a fax rather than a phone number).

    A rule whose matches start with a cue word gives the cue's spellings as `anchors`: the
    pattern is then tried only where one of them is a whole word ("admi*": where a word starts
    with it), instead of at every position.
    """

    kind: str
    pattern: re.Pattern
    tokens: frozenset[str] = frozenset()
    anchors: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    shape: tuple[bytes, ...] = ()
    opens: Callable[[View], bool] | None = None
    priority: int = 0
    check: Callable[[re.Match, str], bool] | None = None
    kind_of: Callable[[re.Match, str], str] | None = None
    group: int | str = 0

    def gate(self, view: View, *, tokens_checked: bool = False) -> bool:
        # Plain loops: this runs for many rules on every text, and generators cost more.
        if self.tokens and not tokens_checked and self.tokens.isdisjoint(view.tokens):
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

    @functools.cached_property
    def _anchor_words(self) -> tuple[tuple[str, str], ...]:
        """Each anchor with its first word, which the text must hold for the anchor to be
        searched; a stem such as "admi*" is searched for whenever the gate opens."""
        pairs = []
        for anchor in self.anchors:
            stem = anchor.endswith("*")
            anchor = anchor.rstrip("*")
            first = anchor.translate(_TOKENS).split()[0]
            pairs.append((anchor, "" if stem else first, stem))
        return tuple(pairs)

    def _matches(self, view: View) -> list[re.Match]:
        text, lowered = view.text, view.lowered
        if not self.anchors or len(lowered) != len(text):
            return list(self.pattern.finditer(text))
        starts = set()
        words = view.tokens
        size = len(lowered)
        for anchor, first, stem in self._anchor_words:
            if first and first not in words:
                continue  # a set lookup spares a search of the whole text
            at = lowered.find(anchor)
            while at != -1:
                end = at + len(anchor)
                if (at == 0 or not lowered[at - 1].isalnum()) and (
                    stem or end == size or not lowered[end].isalnum()
                ):
                    starts.add(at)
                at = lowered.find(anchor, end)
        found = []
        for start in sorted(starts):
            match = self.pattern.match(text, start)
            if match is not None:
                found.append(match)
        return found

    def hits(self, view: View) -> list[Hit]:
        found = []
        text = view.text
        for match in self._matches(view):
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
