"""Keeps secrets out of logs: API keys, Authorization headers, e-mail addresses (also URL-encoded)
and the one-time tokens of password-reset and invitation links are masked. The application's log
handlers use the filter; gunicorn's access log uses `scrub` (config/gunicorn.py)."""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    (
        re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(bearer|token)\s+[^\s\"',]+"),
        r"\1\2 [redacted]",
    ),
    (re.compile(r"\b(rnd|rpl)_[A-Za-z0-9_\-]{8,}"), r"\1_[redacted]"),
    # /accounts/reset/<uidb64>/<token>/ and /invite/<uidb64>/<token>/: whoever reads the link
    # can set the password. Django's own redirect to .../set-password/ keeps only the uid.
    (re.compile(r"(/(?:accounts/reset|invite)/)[^/\s?\"]+/[^/\s?\"]+/?"), r"\1[redacted]/"),
    (re.compile(r"[A-Za-z0-9._%+\-]+(?:@|%40)[A-Za-z0-9.\-]+\.[A-Za-z]{2,}", re.I), "[e-mail]"),
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
