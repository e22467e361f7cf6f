"""Street addresses, ZIP codes and postcodes."""

from __future__ import annotations

import re

from .rule import Rule, before
from .vocab import (
    AMBIGUOUS_STREET_WORDS,
    STREET_ABBREVIATIONS,
    STREET_PREFIXES,
    STREET_WORDS,
    UNITS,
    split_words,
)

_WORD = r"[^\W\d_][\w'’.\-]*"
_NUMBER = r"\d{1,5}[A-Za-z]?"
_SUFFIX = rf"(?:(?i:{STREET_WORDS})|(?i:{STREET_ABBREVIATIONS})\.?)"

# 42 Elm Street, 221B Baker Street, 1234 N. Main St., 350 5th Ave, 12 high st
_NUMBERED = re.compile(
    rf"(?<![\w.,/:\-])(?P<n>{_NUMBER}),?\s+(?P<words>(?:(?:{_WORD}|\d{{1,3}}(?:st|nd|rd|th))\s+){{1,4}}?)"
    rf"(?P<suffix>{_SUFFIX})(?![\w])"
)
# 7 rue de la Paix, 99 rue Saint-Honoré, Calle Mayor 5
_PREFIXED = re.compile(
    rf"(?i:(?<!\w)\d{{1,5}}[a-z]?,?\s+(?:{STREET_PREFIXES})\s+{_WORD}(?:\s+{_WORD}){{0,3}})"
)
_PO_BOX = re.compile(r"(?i:\bp\.?\s?o\.?\s+box\s+\d+)")
# A street named after a cue, with or without a number: "lives on Maple Avenue",
# "resides on baker street", "lives at the Old Rectory, Church Lane"
_CUED = re.compile(
    r"(?i:\b(?:lives?|living|resides?|residing|resident|moved|address(?:\s+is)?|residence"
    r"|home(?:\s+address)?|house|flat|we'?re|i'?m)\s+(?:(?:at|on|in|to|is)\s+)?:?\s*)"
    rf"(?P<street>(?:the\s+)?(?:{_WORD}\s+){{0,3}}?(?:{_WORD},?\s+)?{_WORD}\s+{_SUFFIX})(?![\w])"
)


def _numbered_ok(match: re.Match, text: str) -> bool:
    words = match.group("words").split()
    suffix = match.group("suffix")
    if any(w.lower().strip(".,") in UNITS for w in words):
        return False
    if suffix.lower() in AMBIGUOUS_STREET_WORDS and not all(
        w[:1].isupper() or w[:1].isdigit() for w in [*words, suffix]
    ):
        return False
    # Short suffixes in capitals are abbreviations of something else: "1 mm ST depression".
    if suffix.isupper() and len(suffix) <= 3:
        return False
    # "Dr" after a number is a doctor ("at 4 Dr Smith"), unless it ends the phrase.
    return not (
        suffix.lower().rstrip(".") == "dr" and re.match(r"\.?\s+[A-Z]", text[match.end() :])
    )


def _cued_ok(match: re.Match, text: str) -> bool:
    street = match.group("street")
    words = street.split()
    if any(w.lower().strip(".,") in UNITS - {"the", "of"} for w in words[:-1]):
        return False
    return not street.split()[-1].isupper() or len(street.split()[-1]) > 3


# UK postcodes (SW1A 1AA, M1 1AE, ls1 4ap); not TNM stages or ECG leads ("V2 3mm").
_UK = re.compile(
    r"(?i)(?<![\w/\-])(?:[A-PR-UWYZ][A-HK-Y]?\d[A-HJKPSTUW\d]?)\s?\d[ABD-HJLNP-UW-Z]{2}(?![\w/\-])"
)
_CANADA = re.compile(
    r"(?<![\w])[A-CEGHJ-NPR-TVXY]\d[A-CEGHJ-NPR-TV-Z]\s?\d[A-CEGHJ-NPR-TV-Z]\d(?!\w)"
)
_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    "NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|ON|QC|BC|AB"
)
_ZIP = re.compile(
    rf"(?:\b(?:{_STATES})\s+"
    r"|(?i:\b(?:zip|zip\s*code|postal\s+code|post\s*code|postcode|lives\s+in|live\s+in|from)\b)"
    r"\s*(?:is\s+)?:?\s*)"
    r"(?P<zip>\d{5}(?:-\d{4})?)(?![\w\-]|\.\d)"
)
# "Paris 75008", "Boston 02115": a place name then five digits, ending the phrase.
_CITY_ZIP = re.compile(r"\b[A-Z][a-z]{2,}\s(?P<zip>\d{5})(?=\s*(?:$|[,.;)]|\s[A-Z]))")
_NOT_CITY = frozenset(
    split_words("batch lot code page cpt pmid room bed ward study trial step lead")
)


def _uk_ok(match: re.Match, text: str) -> bool:
    value = match.group(0)
    tail = value[-2:].lower()
    if tail in {"mm", "ml", "mg", "hr", "bp", "hb", "kg", "cm", "dl"}:
        return False
    # mixed case is prose, not a postcode: "pT3 N2a"; all-lower is allowed after a cue.
    if value != value.upper() and value != value.lower():
        return False
    if value == value.lower():
        return (
            re.search(r"post\s*code|postal|address|zip|\bin\b|\bat\b", before(text, match, 30))
            is not None
        )
    return True


def _city_ok(match: re.Match, text: str) -> bool:
    word = match.group(0).split()[0].lower()
    return word not in _NOT_CITY and word not in UNITS


_SUFFIX_TOKENS = frozenset(STREET_WORDS.split("|") + STREET_ABBREVIATIONS.split("|"))
_RESIDENCE_TOKENS = frozenset(
    split_words(
        "live lives living reside resides residing resident residence moved address home house flat"
        " were im"
    )
)
_PREFIX_TOKENS = frozenset(split_words("rue calle via avenida rua boulevard chemin strada platz"))
_POSTCODE_TOKENS = frozenset(split_words("postcode post postal zip zipcode address"))
_ZIP_TOKENS = frozenset(split_words("zip zipcode postal post postcode live lives from"))


def _cued_opens(view) -> bool:
    return not _RESIDENCE_TOKENS.isdisjoint(view.tokens)


def _uk_opens(view) -> bool:
    shape = view.shape
    return (
        b" 9AA" in shape
        or b"9A9AA" in shape
        or b"99AA" in shape
        or not _POSTCODE_TOKENS.isdisjoint(view.tokens)
    )


def _zip_opens(view) -> bool:
    return b"AA 99999" in view.shape or not _ZIP_TOKENS.isdisjoint(view.tokens)


RULES = (
    Rule(
        "street_address",
        _NUMBERED,
        tokens=_SUFFIX_TOKENS,
        shape=(b"9 ", b"9A ", b"9, "),
        priority=1,
        check=_numbered_ok,
    ),
    Rule(
        "street_address",
        _PREFIXED,
        tokens=_PREFIX_TOKENS,
        shape=(b"9 ", b"9A ", b"9, "),
        priority=1,
    ),
    Rule(
        "street_address",
        _PO_BOX,
        tokens=frozenset({"box"}),
        anchors=("po", "p.o", "p o"),
        priority=2,
    ),
    Rule(
        "street_address",
        _CUED,
        tokens=_SUFFIX_TOKENS,
        opens=_cued_opens,
        anchors=tuple(sorted(_RESIDENCE_TOKENS)) + ("we're", "we’re", "i'm", "i’m"),
        priority=1,
        check=_cued_ok,
        group="street",
    ),
    Rule("postal_code", _UK, opens=_uk_opens, priority=1, check=_uk_ok),
    Rule("postal_code", _CANADA, shape=(b"A9A 9A9", b"A9A9A9"), priority=1),
    Rule("postal_code", _ZIP, opens=_zip_opens, shape=(b"99999",), priority=2, group="zip"),
    Rule("postal_code", _CITY_ZIP, shape=(b"A 99999",), priority=0, group="zip", check=_city_ok),
)
