"""Finds likely patient identifiers in sample text, so such samples are quarantined on import.

A finding names the kind of identifier and the field it is in, never the matched text: findings
are stored on the sample and may be logged, and must not spread the identifier further.

The patterns aim at identifiers, not clinical numbers: blood pressures ("BP 140/90"), doses
("5 mg"), ages ("62-year-old"), lab values and years alone ("born in 1961") are not flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = (
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})\b"
    r"|\d{4}-\d{2}-\d{2}\b"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}\b)"
)
_STREET_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
    r"Terrace|Terr|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Crescent|Close|Gardens)"
)

# Each rule is a cheap gate (substring tests on lower-cased text, or on the text with every
# digit turned into "9") and the pattern that confirms it; most clinical text fails every gate,
# so the regular expressions rarely run.
_EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}\b"
_DOB = (
    rf"(?i:\b(?:DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s*date|born(?:\s+on)?)\s*[:\-]?\s*"
    rf"{_DATE})"
)
_MRN = (
    r"(?i:\b(?:MRN|medical\s+record(?:\s+(?:number|no\.?|num|\#))?|patient\s+(?:id|number)"
    r"|chart\s+(?:number|no\.?|\#)|hospital\s+(?:number|no\.?))\s*(?:is\s+)?[:#]?\s*"
    r"[A-Z]{0,3}-?\d{5,})"
)
_NATIONAL_ID_KEYWORD = (
    r"(?i:\b(?:SSN|social\s+security(?:\s+(?:number|no\.?|\#))?|NHS\s+(?:number|no\.?)"
    r"|national\s+(?:id|identity|insurance)(?:\s+(?:number|no\.?|card))?|NINO"
    r"|medicare\s+(?:number|no\.?|id)|medicaid\s+(?:number|no\.?|id)"
    r"|passport\s+(?:number|no\.?)|insurance\s+(?:id|member\s+id|number))"
    r"\s*(?:is\s+)?[:#]?\s*[A-Z0-9][A-Z0-9 \-]{4,}\d)"
)
_SSN = r"(?<![\d\-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b(?!-)"
_PHONE = (
    r"(?<![\d/.\-])(?:\+?1[\s.\-]?)?\(\d{3}\)\s?\d{3}[\s.\-]\d{4}\b"
    r"|(?<![\d/.\-])(?:\+?1[\s.\-])?\d{3}[.\-]\d{3}[.\-]\d{4}\b(?![.\-]\d)"
    r"|(?<![\w/.\-])\+\d{1,3}[\s.\-]?(?:\(\d{1,4}\)[\s.\-]?)?\d{2,4}(?:[\s.\-]?\d{2,4}){2,3}\b"
)
_PHONE_KEYWORD = (
    r"(?i:\b(?:phone|tel|telephone|mobile|cell)\s*(?:number|no\.?|\#)?\s*[:#]?\s*"
    r"\+?\d[\d\s.\-()]{7,}\d)"
)
_STREET = rf"\b\d{{1,5}}\s+(?:[A-Z][a-z]+\.?\s+){{1,3}}{_STREET_SUFFIX}\b(?!\s+[A-Z][a-z])"
_STREET_KEYWORD = (
    r"(?i:\b(?:lives\s+at|living\s+at|resides\s+at|address(?:\s+is)?)\s*:?\s*\d{1,5}\s+"
    r"[a-z]+)"
)

# The "shape" of a text: digits become 9, capitals A, white space a space; lower-case letters go.
# "MRN: 1234567" -> "AAA: 9999999", "42 Elm Street" -> "99 A A". Tests on this short string are
# cheap, and every identifier but an e-mail address leaves a digit pattern in it.
_SHAPE = bytes.maketrans(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\t\r\n", b"9" * 10 + b"A" * 26 + b"   "
)
_SHAPE_DROP = b"abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class _Rule:
    """A pattern behind a cheap gate; the pattern runs only if the gate opens.

    The gate needs one of `require` in the text's shape (when given), and then any of `exact`
    in the text as written, `lower` in the lower-cased text, or `shape` in the shape.
    Substring tests run at C speed, so the usual clean sample costs a few microseconds.
    """

    kind: str
    pattern: re.Pattern
    exact: tuple[str, ...] = ()
    lower: tuple[str, ...] = ()
    shape: tuple[bytes, ...] = ()
    require: tuple[bytes, ...] = ()


_RULES = (
    _Rule("email", re.compile(_EMAIL), exact=("@",)),
    _Rule(
        "date_of_birth",
        re.compile(_DOB),
        lower=(" dob", "d.o.b", "birth", " born"),
        require=(b"9999", b"9/9", b"9-9", b"9.9"),
    ),
    _Rule(
        "medical_record_number",
        re.compile(_MRN),
        lower=(
            "mrn",
            "medical record",
            "patient id",
            "patient number",
            "chart n",
            "chart #",
            "hospital n",
        ),
        require=(b"99999",),
    ),
    _Rule(
        "national_id",
        re.compile(_NATIONAL_ID_KEYWORD),
        lower=(
            "ssn",
            "social security",
            "nhs",
            "national",
            "nino",
            "medicare",
            "medicaid",
            "passport",
            "insurance",
        ),
        require=(b"9999",),
    ),
    _Rule("national_id", re.compile(_SSN), shape=(b"999-99-9999",), require=(b"-99-",)),
    _Rule(
        "phone",
        re.compile(_PHONE),
        exact=("+",),
        shape=(b"(999)", b"999-999-9999", b"999.999.9999"),
        require=(b"9999",),
    ),
    _Rule(
        "phone",
        re.compile(_PHONE_KEYWORD),
        lower=("phone", "tel", "mobile", "cell"),
        require=(b"9999",),
    ),
    _Rule("street_address", re.compile(_STREET), shape=(b"9 A",)),
    _Rule(
        "street_address",
        re.compile(_STREET_KEYWORD),
        lower=("lives at", "living at", "resides at", "address"),
        require=(b"9",),
    ),
)


def _open_rules(text: str) -> list[_Rule]:
    """The rules whose gate opens on this text."""
    if not text:
        return []
    shape = text.encode("utf-8", "replace").translate(_SHAPE, _SHAPE_DROP)
    if b"9" not in shape:
        # Without a digit only an e-mail address can be there.
        return [_RULES[0]] if "@" in text else []
    lowered = ""
    opened = []
    for rule in _RULES:
        if rule.require:
            for needle in rule.require:
                if needle in shape:
                    break
            else:
                continue
        if (rule.exact and any(s in text for s in rule.exact)) or (
            rule.shape and any(s in shape for s in rule.shape)
        ):
            opened.append(rule)
        elif rule.lower:
            # The leading space lets " dob" match at the very start.
            lowered = lowered or " " + text.lower()
            if any(s in lowered for s in rule.lower):
                opened.append(rule)
    return opened


def identifiers_in(text: str) -> set[str]:
    """The kinds of identifier found in one text."""
    return {rule.kind for rule in _open_rules(text) if rule.pattern.search(text)}


@dataclass(frozen=True)
class Finding:
    kind: str
    field: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "field": self.field}


def sample_texts(
    *, messages: Iterable[dict], reasoning: str, answer: str
) -> Iterator[tuple[str, str]]:
    """(field, text) for every piece of a sample a reader sees."""
    for index, message in enumerate(messages):
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            yield f"messages[{index}].content", content
    if reasoning:
        yield "reasoning", reasoning
    if answer:
        yield "answer", answer


def sample_findings(*, messages: Iterable[dict], reasoning: str, answer: str) -> list[Finding]:
    """Every (kind, field) with a likely patient identifier, in field order."""
    findings: list[Finding] = []
    for field, text in sample_texts(messages=messages, reasoning=reasoning, answer=answer):
        kinds = sorted(identifiers_in(text))
        findings.extend(Finding(kind, field) for kind in kinds)
    return findings


def redact_text(text: str, *, mask: str = "[REDACTED]") -> tuple[str, int]:
    """The text with every detected identifier replaced by `mask`, and how many were replaced."""
    total = 0
    for rule in _open_rules(text):
        text, n = rule.pattern.subn(mask, text)
        total += n
    return text, total
