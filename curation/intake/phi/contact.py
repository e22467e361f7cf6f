"""Ways to reach a person: e-mail, phone and fax numbers, personal web addresses, IP addresses."""

from __future__ import annotations

import ipaddress
import re

from .rule import Rule, before
from .vocab import REFERENCE_HOSTS, split_words

_AT = r"(?:@|\s?[\(\[]at[\)\]]\s?|\s+at\s+)"
_DOT = r"(?:\.|\s?[\(\[]dot[\)\]]\s?|\s+dot\s+)"
_TLD = r"(?:com|org|net|edu|gov|io|co|uk|ie|de|fr|ru|info|me|nhs|au|ca|in|us|eu)"
_EMAIL = re.compile(
    r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}\b"
    # spelled out against scrapers: "jane (at) example (dot) com", "jane at gmail dot com"
    rf"|(?i:\b[a-z0-9._%+\-]+{_AT}[a-z0-9\-]+(?:{_DOT}[a-z0-9\-]+)*?{_DOT}{_TLD}\b)"
)


def _spelled_email_ok(match: re.Match, text: str) -> bool:
    found = match.group(0)
    if "@" in found:
        return True
    # "seen at home dot com" is not likely; "at" and "dot" spelled out need both.
    lowered = found.lower()
    return "dot" in lowered and re.search(r"[\(\[\s]at[\)\]\s]", lowered) is not None


# --- web addresses ---------------------------------------------------------------------------

_URL = re.compile(
    r"(?i:\b(?:https?://|www\.)[^\s<>\"')\]]+"
    r"|(?<![@\w.])(?:[a-z0-9\-]+\.)+(?:com|org|net|io|co\.uk|org\.uk|uk|me|ly|be|tv|blog)"
    r"/[^\s<>\"')\]]+)"
)


def _personal_url(match: re.Match, text: str) -> bool:
    url = match.group(0).lower()
    host = re.sub(r"^(?:https?://)?", "", url).split("/", 1)[0].split(":", 1)[0]
    return not any(
        host == h.lstrip(".") or host.endswith("." + h.lstrip(".")) for h in REFERENCE_HOSTS
    )


# --- IP addresses ----------------------------------------------------------------------------

_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]|\.\d)")
_IPV6 = re.compile(r"(?i)(?<![\w:])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])")
_NOT_IP = re.compile(
    r"(?:section|version|v|ver|§|chapter|step|table|figure|fig|item|para|point|"
    r"page|rule|stage|grade|class|icd-\d+|code)\s*\.?\s*$"
)
_IP_CUE = re.compile(
    r"\b(?:ip|ipv[46]|address|host|server|from|connected|logged|uploaded|remote|"
    r"source|device|router|vpn)\b"
)


def _ipv4_ok(match: re.Match, text: str) -> bool:
    try:
        ipaddress.IPv4Address(match.group(0))
    except ValueError:
        return False
    window = before(text, match, 30)
    if _IP_CUE.search(window):
        return True
    if _NOT_IP.search(window):
        return False
    # "1.2.3.4" in a flow chart is a step number; an address has long parts.
    return sum(len(part) >= 2 for part in match.group(0).split(".")) >= 2


def _ipv6_ok(match: re.Match, text: str) -> bool:
    value = match.group(0)
    if value.count(":") < 3 and "::" not in value:
        return False
    if re.fullmatch(r"[\d:]+", value) and "::" not in value:
        return False  # times such as 19:30:00:00 are not addresses
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return (
            value.count(":") == 5
            and re.fullmatch(r"(?i)(?:[0-9a-f]{2}:){5}[0-9a-f]{2}", value) is not None
        )
    return True


# --- phone and fax numbers -------------------------------------------------------------------

_PHONE_CUE = re.compile(
    r"\b(?:phone|tel|telephone|mobile|cell|call|ring|text|whatsapp|contact|reach|number|landline"
    r"|ph|fax|faxed|mob)\b[^\d]{0,25}$"
)
# Formatted numbers: not a dose range or a code.
_PHONE_STRONG = re.compile(
    r"(?<![\w+/.\-])(?:"
    # international: +44 20 7946 0958, +44 (0)7700 900456, +1 (212) 555-0142
    r"\+\d{1,3}(?:[\s.\-]?\(0\))?(?:[\s.\-]?\(?\d{1,5}\)?){2,5}"
    # North America: (415) 555-0199, 555-123-4567, 415.555.0199, 415 555 0199, 1-800-555-0123
    r"|(?:1[\s.\-])?(?:\(\d{3}\)\s?|\d{3}[\s.\-])\d{3}[\s.\-]\d{4}"
    # UK and Ireland: 020 7946 0958, 07700 900123, (0161) 496 0000, 07700-900-789
    r"|\(?0\d{2,4}\)?[\s\-]\d{3,4}[\s\-]?\d{3,4}"
    r")(?![\w/]|[.\-]\d)"
)
# Numbers that need a cue: 4155550199, 555 0199, 555-0188
_PHONE_WEAK = re.compile(r"(?<![\w+/.\-])(?:\d{10,11}|\d{3}[\s\-]\d{4}|0\d{9,10})(?![\w/]|[.\-]\d)")


def _digits(value: str) -> int:
    return sum(c.isdigit() for c in value)


def _strong_ok(match: re.Match, text: str) -> bool:
    n = _digits(match.group(0))
    return 9 <= n <= 15


def _cued(match: re.Match, text: str) -> bool:
    return _PHONE_CUE.search(before(text, match, 40)) is not None


def _fax_or_phone(match: re.Match, text: str) -> str:
    window = before(text, match, 30)
    return "fax" if re.search(r"\b(?:fax|faxed|f)\b", window) else "phone"


_URL_TOKENS = frozenset(split_words("http https www com org net io uk tv ly blog"))
_PHONE_TOKENS = frozenset(
    split_words(
        "phone telephone tel mobile cell call ring text whatsapp contact reach number landline"
        " ph fax mob"
    )
)


def _ipv6_opens(view) -> bool:
    return b"::" in view.shape or view.shape.count(b":") >= 5


RULES = (
    Rule("email", _EMAIL, words=("@",), priority=3),
    Rule("email", _EMAIL, tokens=frozenset({"dot"}), priority=3, check=_spelled_email_ok),
    Rule("url", _URL, tokens=_URL_TOKENS, priority=2, check=_personal_url),
    Rule("ip_address", _IPV4, shape=(b"9.9.9", b"9.99.9", b"9.999.9"), check=_ipv4_ok, priority=1),
    Rule("ip_address", _IPV6, opens=_ipv6_opens, check=_ipv6_ok, priority=1),
    Rule(
        "phone",
        _PHONE_STRONG,
        shape=(b"+9", b"(9", b"999-999", b"999.999", b"99 999"),
        check=_strong_ok,
        kind_of=_fax_or_phone,
    ),
    Rule(
        "phone",
        _PHONE_WEAK,
        tokens=_PHONE_TOKENS,
        shape=(b"999-9999", b"999 9999", b"9999999"),
        check=_cued,
        kind_of=_fax_or_phone,
    ),
)
