"""JSON from outside, held to what the rest of the stack can carry.

Every JSON body (the API's parser, the review page's autosave) and every imported record passes
here, so the limits live once:

- nesting at most JSON_MAX_DEPTH levels: Python's recursive encoders and serializers stop near
  1,000 levels (RecursionError) and orjson's encoder at 255 (TypeError), long after any real
  document;
- no NUL character: PostgreSQL's text and jsonb refuse it;
- no lone UTF-16 surrogate (`"\\ud800"`): it cannot be encoded as UTF-8, so the database refuses
  it too.

Each refusal is a DomainError (a 400 in the standard shape) that names the offending field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from django.conf import settings
from rest_framework.parsers import JSONParser as BaseJSONParser

from .errors import DomainError, ErrorDetail

if TYPE_CHECKING:
    from .ingest import ErrorCollector

DEFAULT_MAX_DEPTH = 64


def max_depth() -> int:
    return int(getattr(settings, "JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH))


def _bad_text(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character (\\u0000), which cannot be stored"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "contains a lone UTF-16 surrogate (such as \\ud800), which is not text"
    return None


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def problems(value: Any, *, limit: int | None = None) -> list[tuple[str, str]]:
    """(field path, message) for each thing in `value` the stack cannot carry; [] if none.

    Iterative, so a document nested deeper than Python's recursion limit is walked safely.
    """
    limit = limit or max_depth()
    found: list[tuple[str, str]] = []
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack and len(found) < 10:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            message = _bad_text(item)
            if message:
                found.append((path, message))
            continue
        if not isinstance(item, dict | list):
            continue
        if depth >= limit:
            found.append((path, f"is nested more than {limit} levels deep (JSON_MAX_DEPTH)"))
            continue
        if isinstance(item, dict):
            for key, child in item.items():
                child_path = _join(path, key)
                if isinstance(key, str):
                    message = _bad_text(key)
                    if message:
                        found.append((child_path, f"key {message}"))
                        continue
                stack.append((child, child_path, depth + 1))
        else:
            for index in range(len(item) - 1, -1, -1):
                stack.append((item[index], _join(path, index), depth + 1))
    return found


def check(value: Any, *, field: str | None = None) -> Any:
    """`value` unchanged, or a DomainError naming the first problem (and each one in details)."""
    found = problems(value)
    if not found:
        return value
    details = [
        ErrorDetail(message, field=".".join(p for p in (field, path) if p) or None, code="invalid")
        for path, message in found
    ]
    raise DomainError.many(details)


def check_record(data: Any, *, line: int | None, errors: ErrorCollector) -> bool:
    """The import's form of `check`: each problem is added to the collector; True if none."""
    found = problems(data)
    for path, message in found:
        errors.add(message, field=path or None, line=line, code="invalid")
    return not found


def loads(raw: bytes | str, *, field: str | None = None) -> Any:
    """Parse one JSON document from outside; any problem is a DomainError (400)."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        reason = str(exc).split(":", 1)[0]
        if "depth limit" in reason:
            reason = f"is nested more than {max_depth()} levels deep (JSON_MAX_DEPTH)"
        else:
            reason = f"is not valid JSON: {reason}"
        raise DomainError(reason, field=field, code="parse_error") from None
    return check(value, field=field)


class JSONParser(BaseJSONParser):
    """DRF's JSON parser, parsing through `loads`: every API body gets the same limits."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        charset = (parser_context or {}).get("encoding") or "utf-8"
        if charset.lower().replace("-", "") != "utf8":
            raw = raw.decode(charset, errors="replace")
        return loads(raw)
