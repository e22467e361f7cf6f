"""Identifying numbers: SSN and national health numbers, record, plan, account, case, licence,
vehicle and device numbers.

Most are found by a cue ("MRN", "member ID", "serial no.") followed by something shaped like an
identifier (several digits, or letters mixed with digits). A few formats are distinctive enough
to be found bare: a formatted SSN, a Medicare MBI, a UK National Insurance number, a card
number that passes the Luhn check, an IBAN, a VIN, a MAC address, a GS1 device identifier.
"""

from __future__ import annotations

import re

from .rule import Rule
from .vocab import split_words

# Something shaped like an identifier: starts with a letter or digit, may hold dashes, slashes,
# dots and single spaces between groups, holds at least one digit.
_TOKEN = (
    r"(?:[A-Z]{2,3}[\s\-])?"  # WC 889-2231, DC 2023 118812, NY 4JKL209
    r"(?=[A-Za-z(]*[\-/]?\d)[A-Za-z0-9(](?:[A-Za-z0-9()/\-]|\.(?=\w))*"
    r"(?:\s(?=[A-Za-z]{0,3}\d)[A-Za-z0-9\-]+){0,3}"  # W2345 67890, U12345678 01
)
_FILLER = (
    r"(?i:\s*(?:number|numbers|num|nos?\b\.?|\#|id\b|code|ref(?:erence)?|card|is|was|:|=|-)\s*)*"
)


def _cued(cues: str) -> re.Pattern:
    return re.compile(rf"(?i:\b(?:{cues})(?![a-z]))(?:'s)?{_FILLER}\s*(?P<id>{_TOKEN})")


def _id_like(match: re.Match, text: str) -> bool:
    value = match.group("id")
    alnum = [c for c in value if c.isalnum()]
    digits = sum(c.isdigit() for c in alnum)
    if digits == 0:
        return False
    after = text[match.end() : match.end() + 12].lower()
    if re.match(r"\s*(?:%|mg|kg|g\b|ml|mmol|units?|cm|mm|h\b|hours?|days?|weeks?|x\s?10)", after):
        return False
    # 2 digits need company: "8G12AB" is an identifier, "12" alone is a count.
    return digits >= 4 or (digits >= 2 and len(alnum) >= 5)


_SSN_CUE = r"ssn|s\.s\.n\.?|ss\#|soc(?:ial)?\s+sec(?:urity)?|social"
_NATIONAL_CUE = (
    r"nhs|chi|medicare|medicaid|mbi|hicn|ihi|pps|health\s+card|health\s+insurance"
    r"|national\s+(?:insurance|id|identity|health)|ni|nino|personnummer|bsn|insee|ohip"
)
_MRN_CUE = (
    r"mrn|mr\s?\#|mr\s+no|med(?:ical)?\.?\s+rec(?:ord)?s?|hospital(?:\s+(?:number|no|id))"
    r"|hosp\.?\s+no|unit\s+no|(?:chart|record|emr|ehr)(?=\s*(?:id\b|no\b|number|\#|:))"
    r"|patient\s+(?:id|number|no)|k\s+number"
    r"|case\s+notes?\s+no"
)
_PLAN_CUE = (
    r"member(?:ship)?|insurance|insurer|policy|subscriber|group|plan|beneficiary"
    r"|bcbs|aetna|cigna|kaiser|humana|bupa|axa|united\s?healthcare|anthem"
)
_ACCOUNT_CUE = r"account|acct|a/c|sort\s+code|guarantor|iban|credit\s+card|debit\s+card|invoice"
_CASE_CUE = (
    r"case|claim|(?:encounter|visit|episode|incident|ref(?:erence)?)(?=\s*(?:id\b|no\b|number|\#|:))"
    r"|(?:our|your|referral)\s+ref(?:erence)?"
    r"|admission\s+no"
    r"|ticket|crime|coroner'?s?"
)
_LICENCE_CUE = (
    r"driv(?:er'?s?|ing)\s+licen[cs]e|licen[cs]e|dl|cdl|passport|certificate|cert|permit"
    r"|state\s+id|id\s+card"
)
_VEHICLE_CUE = (
    r"(?:licen[cs]e|number|reg(?:istration)?)\s+plate|plate|reg|registration|tag"
    r"|vin|vehicle\s+identification|vehicle"
)
_DEVICE_CUE = r"serial|s/n|sn|udi|imei|imsi|transmitter|device(?:\s+(?:id|serial))|mac\s+address"

_VEHICLE_TOKENS = ("plate", "reg", "tag", "vin", "vehicle")

# Bare formats.
_SSN = re.compile(
    r"(?<![\w\-.])(?!000|666|9\d\d)\d{3}(?P<s>\s?[\-.]\s?|\s)(?!00)\d{2}(?P=s)(?!0000)\d{4}"
    r"(?![\w\-]|\.\d)"
)
_SSN_PARTIAL = re.compile(
    r"(?i:(?:xxx|\*\*\*)[\s\-]?(?:xx|\*\*)[\s\-]?(?P<id>\d{4})"
    r"|\blast\s+(?:4|four)(?:\s+digits)?\s+of\s+(?:my|her|his|the)?\s*(?:ssn|social\w*(?:\s+security)?"
    r"(?:\s+number)?)\s*(?:is|are|:)?\s*(?P<id2>\d{4}))\b"
)
_MBI = re.compile(
    r"(?<![\w\-])[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d"
    r"-?[AC-HJKMNP-RT-Y]{2}\d{2}(?![\w\-])"
)
_NINO = re.compile(
    r"(?<![\w])(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}"
    r"\s?[A-D](?!\w)"
)
_CARD = re.compile(r"(?<![\d\-])\d{4}(?P<s>[\s\-]?)\d{4}(?P=s)\d{4}(?P=s)\d{1,7}(?![\d\-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b")
_VIN = re.compile(r"\b(?=[A-HJ-NPR-Z0-9]*[A-HJ-NPR-Z][A-HJ-NPR-Z0-9]*\d)[A-HJ-NPR-Z0-9]{17}\b")
_MAC = re.compile(r"(?i)(?<![\w:\-])[0-9a-f]{2}([:\-])(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}(?![\w:\-])")
_GS1 = re.compile(r"\(01\)\d{14}(?:\(\d{2,4}\)[A-Za-z0-9]+)*")
_UK_PLATE = re.compile(r"\b[A-Z]{2}\d{2}\s?[A-Z]{3}\b")


def _luhn(match: re.Match, text: str) -> bool:
    digits = [int(c) for c in match.group(0) if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _iban(match: re.Match, text: str) -> bool:
    value = match.group(0).replace(" ", "")
    moved = value[4:] + value[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return len(value) >= 15 and int(number) % 97 == 1


def _partial_opens(view) -> bool:
    return not {"last", "xxx", "xx"}.isdisjoint(view.tokens) or b"**" in view.shape


def _mac_opens(view) -> bool:
    return view.text.count(":") >= 5 or view.text.count("-") >= 5


_TWO_DIGITS = (b"9",)
_NATIONAL_TOKENS = frozenset(
    split_words("nhs chi medicare medicaid mbi hicn ihi pps health national ni nino bsn insee ohip")
)
_MRN_TOKENS = frozenset(
    split_words("mrn mr med medical hospital hosp unit chart record patient emr ehr k case")
)
_PLAN_TOKENS = frozenset(
    split_words(
        "member membership insurance insurer policy subscriber group plan beneficiary bcbs aetna"
        " cigna kaiser humana bupa axa united unitedhealthcare healthcare anthem"
    )
)
_ACCOUNT_TOKENS = frozenset(split_words("account acct sort guarantor iban card invoice"))
_CASE_TOKENS = frozenset(
    split_words(
        "case claim encounter visit episode incident ref reference ticket crime coroner coroners"
        " admission"
    )
)
_LICENCE_TOKENS = frozenset(
    split_words(
        "licence license driver drivers driving dl cdl passport certificate cert permit state id"
    )
)
_DEVICE_TOKENS = frozenset(split_words("serial s sn udi imei imsi transmitter device mac"))
_VEHICLE_TOKENS = frozenset(split_words("plate reg registration tag vin vehicle"))


def _cued_rule(
    kind: str,
    cues: str,
    tokens: frozenset[str],
    priority: int = 3,
    anchors: tuple[str, ...] = (),
) -> Rule:
    # Every cue starts with one of its gate words, so the words anchor the pattern; the few
    # cues that start otherwise ("s.s.n", "a/c", "our ref") add their own.
    anchors = anchors or tuple(sorted(tokens | _EXTRA_ANCHORS.get(kind, frozenset())))
    # The cue goes with the number when redacting: "SSN 123-45-6789" -> "[REDACTED]".
    return Rule(
        kind,
        _cued(cues),
        tokens=tokens,
        anchors=anchors,
        shape=_TWO_DIGITS,
        check=_id_like,
        priority=priority,
    )


_EXTRA_ANCHORS = {
    "national_id": frozenset({"s.s"}),
    "case_number": frozenset({"our ref", "your ref", "referral ref"}),
    "account_number": frozenset({"a/c"}),
    "vehicle_id": frozenset({"licence", "license", "number"}),
}


RULES = (
    Rule(
        "national_id",
        _SSN,
        shape=(b"999-99-9999", b"999 99 9999", b"999.99.9999", b"999 - 99 - 9999"),
        priority=1,
    ),
    Rule("national_id", _SSN_PARTIAL, opens=_partial_opens, shape=(b"9999",), priority=3),
    Rule("national_id", _MBI, shape=(b"AA99",), priority=1),
    Rule("national_id", _NINO, shape=(b"AA 99 99 99", b"AA999999"), priority=1),
    Rule(
        "account_number",
        _CARD,
        shape=(b"9999 9999 9999", b"9999-9999-9999", b"9999999999999"),
        check=_luhn,
        priority=1,
    ),
    Rule("account_number", _IBAN, shape=(b"AA99",), check=_iban, priority=1),
    Rule("device_id", _MAC, opens=_mac_opens, priority=1),
    Rule("device_id", _GS1, words=("(01)",), priority=2),
    Rule("vehicle_id", _VIN, shape=(b"A9999", b"9999A"), priority=1),
    _cued_rule("national_id", _SSN_CUE, frozenset(split_words("ssn ss s soc social"))),
    _cued_rule("national_id", _NATIONAL_CUE, _NATIONAL_TOKENS),
    _cued_rule(
        "medical_record_number",
        _MRN_CUE,
        _MRN_TOKENS,
        # "patient" and "case" are everywhere in clinical text; only these phrasings are cues
        anchors=(
            "mrn",
            "mr",
            "med",
            "medical",
            "hospital",
            "hosp",
            "unit no",
            "chart",
            "record",
            "patient id",
            "patient number",
            "patient no",
            "emr",
            "ehr",
            "k number",
            "case note",
        ),
    ),
    _cued_rule("health_plan_number", _PLAN_CUE, _PLAN_TOKENS),
    _cued_rule("account_number", _ACCOUNT_CUE, _ACCOUNT_TOKENS),
    _cued_rule("case_number", _CASE_CUE, _CASE_TOKENS),
    _cued_rule("licence_number", _LICENCE_CUE, _LICENCE_TOKENS),
    _cued_rule("vehicle_id", _VEHICLE_CUE, _VEHICLE_TOKENS, priority=4),
    _cued_rule("device_id", _DEVICE_CUE, _DEVICE_TOKENS),
    Rule("vehicle_id", _UK_PLATE, tokens=_VEHICLE_TOKENS, shape=(b"AA99",), priority=4),
)
