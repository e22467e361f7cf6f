"""Dates tied to a person (birth, admission, discharge, death ...) and ages over 89.

A date is flagged only after a cue that ties it to the person: "born", "DOB", "admitted",
"discharged", "died" ... within the same clause. Publication dates, approval dates and
dates alone ("symptoms began 03/14/2024") are left alone; years alone never count.
"""

from __future__ import annotations

import re

from .rule import Rule
from .vocab import DATE, split_words

_BIRTH = (
    r"d\.?o\.?b\b\.?|date\s+of\s+birth|birth\s*date|birthday|born|was\s+delivered"
    r"|turned\s+\d{1,3}"
)
_EVENT = (
    r"admi(?:t|tted|ssion)|d\.?o\.?a\b|discharg\w*|died|death|d\.?o\.?d\b|deceased|passed\s+away"
    r"|expired|hospitali[sz]ed|date\s+of\s+(?:surgery|operation|procedure|(?:his|her|my|the)\s+\w+)"
    r"|operated|seen\s+(?:in|at)|attended|presented|readmitted"
)
# cue, up to 40 characters of the same clause, then the date
_CUED_DATE = re.compile(
    rf"(?i:\b(?P<cue>{_BIRTH}|{_EVENT}))(?P<gap>[^.;\n]{{0,40}}?)"
    rf"(?<![\d/.\-])(?P<date>{DATE})",
)


def _date_kind(match: re.Match, text: str) -> str:
    cue = match.group("cue").lower()
    is_birth = re.match(_BIRTH, cue) is not None
    return "date_of_birth" if is_birth else "personal_date"


def _gap_ok(match: re.Match, text: str) -> bool:
    # The gap stays in the clause (no full stop, semicolon or line break); a date after a link
    # in it belongs to the link ("seen at https://.../2024/03/14").
    return "http" not in match.group("gap")


_DATE_RULE = Rule(
    "personal_date",
    _CUED_DATE,
    tokens=frozenset(
        split_words(
            "dob d birth birthdate birthday born delivered turned admit admitted admission doa"
            " discharge discharged died death dod deceased passed expired hospitalised hospitalized"
            " date operated seen attended presented readmitted"
        )
    ),
    priority=2,
    check=_gap_ok,
    kind_of=_date_kind,
    anchors=(
        "dob",
        "d.o.b",
        "d o b",
        "date of",
        "birth",
        "birthday",
        "birthdate",
        "born",
        "was delivered",
        "turned",
        "admi*",
        "readmi*",
        "doa",
        "d.o.a",
        "discharg*",
        "died",
        "death",
        "dod",
        "d.o.d",
        "deceased",
        "passed away",
        "expired",
        "hospitali*",
        "operated",
        "seen in",
        "seen at",
        "attended",
        "presented",
    ),
    shape=(b"9",),
    group="date",
)

_OLD = r"(?:9\d|1[01]\d)"  # 90 to 119
_SPELLED = r"(?i:ninety(?:[\s\-](?:one|two|three|four|five|six|seven|eight|nine))?)"
_AGE = re.compile(
    r"(?<![\d.,/])"
    rf"(?:{_OLD}|{_SPELLED})"
    r"(?:"
    r"[\s\-]?(?i:years?|yrs?)[\s\-]?(?i:old|of\s+age)"  # 93-year-old, 98 years of age
    r"|\s?(?i:yo|y/o|y\.o\.?|yr\.?\s?old)(?!\w)"  # 97 yo, 90 y/o, 93 y.o.
    r"|[MF](?![\w])"  # 91M, 99F (not 99 F: a temperature)
    r")"
)
# What a number after "she is" measures when it is not her age.
_NOT_AGE_UNITS = (
    r"%|/|(?i:mg|kg|g\b|ml|l\b|mmol|bpm|mmhg|units?|cm|mm|kpa|mcg|lbs?\b|pounds|percent|points?"
    r"|beats|breaths|days?|weeks?|wks?|months?|hours?|hrs?|h\b|min|minutes|seconds)"
)
_AGE_CUED = re.compile(
    r"(?i:\b(?:aged?|age\s*:|i'?m|i\s+am|(?:he|she|they)\s+(?:is|was)|(?:he|she)'s|turns?|turned"
    r"|is\s+now|will\s+be"
    r"|(?:father|mother|mum|mom|dad|grand(?:mother|father|ma|pa|mum|dad)|nan|gran|wife"
    r"|husband|aunt|uncle|patient|woman|man|gentleman|lady|resident|[mf]|male|female)\s*,"
    r"|(?:father|mother|mum|mom|dad|grand(?:mother|father|ma|pa|mum|dad)|nan|gran|wife|husband"
    r"|aunt|uncle)\s+(?:is|was|'s|turned|turns))"
    r"\s*(?:is\s+)?)"
    rf"(?P<age>{_OLD}|{_SPELLED})(?![\d.,]\d|\s*(?:{_NOT_AGE_UNITS}))"
)


def _not_temperature(match: re.Match, text: str) -> bool:
    return not re.search(
        r"(?i)\b(?:temp\w*|t)\s*:?\s*$", text[max(0, match.start() - 14) : match.start()]
    )


# A first character class lets the engine skip ahead; the boundaries are checked by hand.
_OLD_NUMBER = re.compile(r"[19][0-9][0-9]?")


def _old_number(view) -> bool:
    """Whether the text holds a number from 90 to 119, or "ninety": cached per text."""
    found = view.memo.get("old_number")
    if found is None:
        found = "ninety" in view.lowered
        if not found and b"99" in view.shape:
            text = view.text
            for match in _OLD_NUMBER.finditer(text):
                start, end = match.span()
                if (start and text[start - 1].isdigit()) or (
                    end < len(text) and text[end].isdigit()
                ):
                    continue
                if 90 <= int(match.group()) <= 119:
                    found = True
                    break
        view.memo["old_number"] = found
    return found


_AGE_TOKENS = frozenset(split_words("year years yr yrs yo y old"))
_AGE_CUE_TOKENS = frozenset(
    split_words(
        "age aged im i is was hes shes turn turns turned will now father mother mum mom dad"
        " grandmother grandfather grandma grandpa grandmum granddad nan gran wife husband aunt"
        " uncle"
        " patient woman man gentleman lady resident m f male female"
    )
)


def _age_opens(view) -> bool:
    return _old_number(view) and (
        not _AGE_TOKENS.isdisjoint(view.tokens)
        or b"99A" in view.shape
        or any(w in view.lowered for w in ("yo", "y/o", "y.o", "yr", "year", "ninety"))
    )


RULES = (
    _DATE_RULE,
    Rule(
        "age_over_89",
        _AGE,
        opens=_age_opens,
        priority=2,
        check=_not_temperature,
    ),
    Rule(
        "age_over_89",
        _AGE_CUED,
        tokens=_AGE_CUE_TOKENS,
        anchors=tuple(sorted(_AGE_CUE_TOKENS - {"m", "f", "i"}))
        + (
            "m,",
            "f,",
            "m ,",
            "f ,",
            "he",
            "she",
            "they",
            "i am",
            "i'm",
            "he's",
            "she's",
            "he’s",
            "she’s",
            "i’m",
        ),
        opens=_old_number,
        priority=2,
        group="age",
    ),
)
