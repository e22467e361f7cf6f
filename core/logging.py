"""Keeps secrets out of logs: API keys, Authorization headers and e-mail addresses are masked."""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    (
        re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(bearer|token)\s+[^\s\"',]+"),
        r"\1\2 [redacted]",
    ),
    (re.compile(r"\b(rnd|rpl)_[A-Za-z0-9_\-]{8,}"), r"\1_[redacted]"),
    (re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"), "[e-mail]"),
]


def scrub(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
