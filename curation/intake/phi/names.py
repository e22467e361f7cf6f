"""People's names after a cue: "my name is", "Patient:", "Mrs.", "Regards,", "my husband".

Without a named-entity model a name is found only where something announces it. Clinicians
are not patients: "Dr", "Prof", "Nurse" and eponyms ("Wells score", "per Dr. Hamilton's
criteria") are left alone, and so is a "Mr" followed by a consultant's role.
"""

from __future__ import annotations

import re

from .rule import Rule
from .vocab import NOT_NAMES, split_words

_CAP = r"(?:[A-ZÀ-Þ][a-zà-ÿ'’]+(?:-[A-ZÀ-Þ]?[a-zà-ÿ'’]+)*|[A-Z]\.|[A-Z]{2,}(?:-[A-Z]+)?)"
_LOW = r"[a-zà-ÿ][a-zà-ÿ'’\-]+"
_CAPS_NAME = rf"{_CAP}(?:,?\s{_CAP}){{0,3}}"

# Strong cues: what follows is a name even in lower case ("my name is kevin brandt").
_STRONG = re.compile(
    r"(?i:\b(?:my|her|his|their|the\s+patient'?s|patient|pt|client|child'?s|baby'?s)?\s*"
    r"(?:full\s+)?name(?:'s|\s+is|\s*:|\s+-|\s+of\s+(?:the\s+)?patient\s*:?)\s*)"
    rf"(?P<name>{_CAPS_NAME}|{_LOW}(?:\s{_LOW}){{0,2}})"
)
# Cues that need a capitalised name.
_CUE = (
    r"(?:\b(?i:patient|pt|client|(?:subject|re|from)(?=\s*:)|signed|regards|thanks|thank\s+you"
    r"|sincerely|cheers"
    r"|best\s+wishes|best|love|on\s+behalf\s+of|i\s+am|i'?m|this\s+is|it'?s|called|named"
    r"|(?:child|baby|boy|girl|man|woman|gentleman|lady|resident|deceased)(?=\s*,))"
    r"|\b(?i:(?:my|our|her|his)\s+(?:husband|wife|partner|son|daughter|mum|mom|mother|father|dad"
    r"|brother|sister|grandson|granddaughter|grandmother|grandfather|grandma|grandpa|nan|gran"
    r"|child|baby|boyfriend|girlfriend|fianc[ée]e?|carer|uncle|aunt|niece|nephew|friend"
    r"|neighbour|neighbor)))"
)
_CUED = re.compile(
    rf"{_CUE}(?P<sep>\s*[:,\-]?\s*)"
    rf"(?P<name>{_CAP}(?:\s{_CAP}){{0,3}})(?P<tail>'s)?"
)
# "Brenda Castillo here", the way a message introduces its writer.
_HERE = re.compile(rf"(?:^|(?<=[,.!:;]\s)|(?<=^\w{{2}}\s))(?P<name>{_CAP}\s{_CAP})\s+here\b")
# Titles: Mr, Mrs, Ms, Miss, Mx (case as written: "MS" is multiple sclerosis, "MR" mitral).
_TITLED = re.compile(
    rf"\b(?:Mrs|Mr|Ms|Miss|Mx|Master|MRS|MISS)\.?\s(?P<name>{_CAP}(?:\s{_CAP}){{0,2}})"
)
_CLINICIAN_ROLE = re.compile(
    r",?\s*\(?(?:the\s+)?(?:consultant|surgeon|registrar|frcs|mrcs|orthopaedic|orthopedic"
    r"|vascular|urologist|ent\b|general\s+surgeon|locum)",
    re.IGNORECASE,
)


def _plausible(name: str) -> bool:
    words = [w.strip(".,'’") for w in re.split(r"[\s,]+", name) if w.strip(".,'’")]
    if not words:
        return False
    if words[0].lower() in NOT_NAMES:
        return False
    real = [w for w in words if w.lower() not in NOT_NAMES]
    if not real:
        return False
    # a lone word in capitals is an acronym: "Re: DNACPR", "Patient: NKDA"
    return not (len(words) < 2 and words[0].isupper() and len(words[0]) > 1)


def _strong_ok(match: re.Match, text: str) -> bool:
    if (
        text[match.end() : match.end() + 1] in ("_", "-")
        or text[match.end() : match.end() + 1].isdigit()
    ):
        return False  # "name: user_1" is a label, not a person
    return _plausible(match.group("name"))


_SINGLE_NAME_CUES = frozenset(
    split_words(
        "my our her his regards thanks thank signed love sincerely cheers behalf named called"
        " name wishes"
    )
)


def _cued_ok(match: re.Match, text: str) -> bool:
    name = match.group("name")
    if match.group("tail") or name.endswith(("'s", "’s")):
        return False  # "This is Addison's disease"
    cue = match.group(0)[: match.start("name") - match.start()].lower()
    words = name.split()
    # One word is a name after a sign-off or a relative ("Regards, Rosalind", "my son Jayden");
    # after "this is" or "patient" it takes two ("This is Stevens-Johnson syndrome").
    single_ok = not _SINGLE_NAME_CUES.isdisjoint(re.findall(r"[a-z]+", cue))
    if len(words) < 2 and not single_ok:
        return False
    # "Patient: Alert, Oriented" and headings are rare with two capitalised words
    # that are not ordinary words.
    return _plausible(name)


def _titled_ok(match: re.Match, text: str) -> bool:
    if _CLINICIAN_ROLE.match(text, match.end()):
        return False
    return _plausible(match.group("name"))


def _two_capitals(view) -> bool:
    return b"A A" in view.shape or b"A. A" in view.shape or b"A, A" in view.shape


_TITLE_TOKENS = frozenset(split_words("mr mrs ms miss mx master"))
_SIGN_OFF_TOKENS = frozenset(
    split_words("regards thanks thank signed sincerely cheers best love behalf called named")
)
_INTRO_TOKENS = frozenset(
    split_words(
        "patient pt client subject re from i am im this its child baby boy girl man woman gentleman"
        " lady resident deceased"
    )
)
_KIN_TOKENS = frozenset(
    split_words(
        "husband wife partner son daughter mum mom mother father dad brother sister grandson"
        " granddaughter grandmother grandfather grandma grandpa nan gran child baby boyfriend"
        " girlfriend fiance fiancee carer uncle aunt niece nephew friend neighbour neighbor"
    )
)
_POSSESSIVE_TOKENS = frozenset(split_words("my our her his"))


_STRONG_ANCHORS = (
    "my",
    "her",
    "his",
    "their",
    "the",
    "patient",
    "pt",
    "client",
    "child",
    "baby",
    "full",
    "name",
)
_CUED_ANCHORS = tuple(
    sorted((_SIGN_OFF_TOKENS | _INTRO_TOKENS | _POSSESSIVE_TOKENS | {"on"}) - {"i", "am"})
) + ("i am", "i'm", "i’m", "it's", "it’s")


def _cued_opens(view) -> bool:
    tokens = view.tokens
    if not _SIGN_OFF_TOKENS.isdisjoint(tokens):
        return True
    if not _KIN_TOKENS.isdisjoint(tokens) and not _POSSESSIVE_TOKENS.isdisjoint(tokens):
        return True
    return _two_capitals(view) and not _INTRO_TOKENS.isdisjoint(tokens)


RULES = (
    Rule(
        "name",
        _STRONG,
        tokens=frozenset({"name", "names"}),
        anchors=_STRONG_ANCHORS,
        priority=1,
        check=_strong_ok,
    ),
    Rule("name", _CUED, opens=_cued_opens, anchors=_CUED_ANCHORS, priority=1, check=_cued_ok),
    Rule(
        "name", _HERE, tokens=frozenset({"here"}), opens=_two_capitals, priority=1, check=_titled_ok
    ),
    Rule(
        "name",
        _TITLED,
        tokens=_TITLE_TOKENS,
        anchors=tuple(sorted(_TITLE_TOKENS)),
        priority=2,
        check=_titled_ok,
    ),
)
