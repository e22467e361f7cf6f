"""Keeps secrets out of logs: API keys, Authorization headers, e-mail addresses (also URL-encoded)
and the one-time tokens of password-reset and invitation links are masked. The application's log
handlers use the filter; gunicorn's access log uses `scrub` (config/gunicorn.py)."""

from __future__ import annotations

import datetime as dt
import logging
import re

import orjson

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


# An absolute file-system path (not the path of a URL): a slash that no word character, colon,
# dot or slash precedes, and at least two segments.
_SERVER_PATH = re.compile(r"(?<![\w:/.~])/(?:[^\s'\"/:,;()]+/)+[^\s'\",;()]*")


def without_server_paths(text: str) -> str:
    """The text with every absolute server path replaced: what API clients may read of an error."""
    return _SERVER_PATH.sub("[path]", text or "")


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


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or None,
            "process": record.process,
        }
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return orjson.dumps(entry).decode()
