"""Generic import machinery shared by every door data comes in through: sources, errors, checks.

    with open_source(path_or_file) as src:          # a binary stream and a display name
        errors = ErrorCollector(file=src.name)
        for record in iter_records(src, fmt="jsonl", errors=errors):
            if not check_field_sizes(record.data, line=record.line, errors=errors):
                continue
            ...                                      # validate, errors.add(...)
        errors.raise_if_any()                        # DomainError.many, up to 50 details

- `open_source` opens a path, bytes, text or a file object as a binary stream with a name.
- `detect_format` guesses jsonl / json / csv / yaml from the file name and first bytes.
- `check_field_sizes` enforces settings.IMPORT_MAX_FIELD_BYTES on every string in a record.
- `batched` groups an iterable into lists; `progress_bar` is a tqdm bar that stays silent when
  the output is not a terminal; `CountingReader` reports bytes read to it.

The record readers (`iter_records` and friends, `load_document`) are in `core.records`.
"""

from __future__ import annotations

import codecs
import io
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .errors import DomainError, ErrorDetail

FORMATS = ("jsonl", "json", "csv", "yaml")
CHUNK_BYTES = 1024 * 1024


def max_field_bytes() -> int:
    return int(settings.IMPORT_MAX_FIELD_BYTES)


def max_errors() -> int:
    return int(settings.IMPORT_MAX_ERRORS)


def max_record_bytes() -> int:
    """The longest single record (line or array element) a reader will hold in memory."""
    return max(16 * max_field_bytes(), 16 * 1024 * 1024)


def human_bytes(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            value = n / size
            return f"{value:g} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


# --- errors -------------------------------------------------------------------------------------


class ErrorCollector:
    """Keeps the first `limit` problems of an import (default settings.IMPORT_MAX_ERRORS = 50).

    `full` tells a reader it may stop early; `raise_if_any` raises one DomainError listing them.
    """

    def __init__(self, *, file: str | None = None, limit: int | None = None) -> None:
        self.file = file
        self.limit = limit or max_errors()
        self.details: list[ErrorDetail] = []
        self.total = 0

    def add(
        self,
        message: str,
        *,
        field: str | None = None,
        line: int | None = None,
        code: str = "invalid",
    ) -> None:
        self.total += 1
        if len(self.details) < self.limit:
            self.details.append(ErrorDetail(message, field, line, self.file, code))

    def extend(self, details: Iterable[ErrorDetail]) -> None:
        for d in details:
            self.add(d.message, field=d.field, line=d.line, code=d.code)

    @property
    def full(self) -> bool:
        return self.total >= self.limit

    def __len__(self) -> int:
        return self.total

    def __bool__(self) -> bool:
        return self.total > 0

    def raise_if_any(self) -> None:
        if not self.total:
            return
        shown = len(self.details)
        if self.total > shown:
            summary = f"{self.total} errors (the first {shown} are listed); nothing was imported."
        elif self.full:
            summary = f"{shown} errors or more (listing stops at {shown}); nothing was imported."
        elif shown == 1:
            summary = f"{self.details[0]} (nothing was imported)"
        else:
            summary = f"{shown} errors; nothing was imported."
        raise DomainError.many(self.details, message=summary)


# --- sources ------------------------------------------------------------------------------------


class _TextToBytes(io.RawIOBase):
    """A binary view of a text stream (e.g. io.StringIO), encoded as UTF-8."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while len(self._pending) < len(buffer):
            chunk = self._text.read(64 * 1024)
            if not chunk:
                break
            self._pending += chunk.encode("utf-8")
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


class CountingReader(io.RawIOBase):
    """Wraps a binary stream; calls `on_read(n)` with the bytes consumed (for progress bars)."""

    def __init__(self, raw: IO[bytes], on_read: Callable[[int], Any]) -> None:
        self._raw = raw
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if n:
            self._on_read(n)
        return n


def _ignore(n: int) -> None:
    return None


@dataclass
class Source:
    """An opened input: a buffered binary stream, a display name, and its size when known."""

    stream: IO[bytes]
    name: str
    size: int | None = None


def _size_of(stream: Any) -> int | None:
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        pass
    size = getattr(stream, "size", None)
    if isinstance(size, int):
        return size
    try:
        if stream.seekable():
            here = stream.tell()
            end = stream.seek(0, io.SEEK_END)
            stream.seek(here)
            return end - here
    except (AttributeError, OSError):
        pass
    return None


@contextmanager
def open_source(
    source: str | os.PathLike | bytes | IO,
    *,
    name: str | None = None,
    on_read: Callable[[int], Any] | None = None,
) -> Iterator[Source]:
    """Open a path, bytes, or a binary/text file-like object as a buffered binary stream.

    A path is opened and closed here; a file-like object is left open for its owner.
    `on_read(n)` is called as bytes are consumed (a tqdm bar's `update`).
    """
    close: IO | None = None
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            raw: Any = path.open("rb")
        except OSError as exc:
            raise DomainError(f"cannot open {path}: {exc.strerror}", file=str(path), code="io")
        close = raw
        display = name or str(path)
    elif isinstance(source, bytes | bytearray | memoryview):
        raw = io.BytesIO(bytes(source))
        display = name or "<upload>"
    elif isinstance(source, io.TextIOBase):
        raw = _TextToBytes(source)
        display = name or getattr(source, "name", None) or "<text>"
    else:
        raw = source
        display = name or getattr(source, "name", None) or "<upload>"
    size = _size_of(raw)
    if on_read is None and isinstance(raw, io.BufferedReader):
        stream = raw
    else:
        # Any object with read(n) (a Django UploadedFile, a socket file) becomes buffered.
        stream = io.BufferedReader(CountingReader(raw, on_read or _ignore), CHUNK_BYTES)
    try:
        yield Source(stream=stream, name=str(display), size=size)
    finally:
        if close is not None:
            close.close()


def detect_format(name: str | None, head: bytes) -> str:
    """jsonl / json / csv / yaml from the file extension, else from the first bytes."""
    suffix = Path(name or "").suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        # One object per line is JSONL; a single pretty-printed object spans lines.
        first_line = text.split(b"\n", 1)[0].strip()
        if suffix == ".json" and not first_line.endswith(b"}"):
            return "json"
        return "jsonl"
    if suffix == ".json":
        return "json"
    return "csv"


def peek(stream: IO[bytes], n: int = 4096) -> bytes:
    """The first bytes of a buffered stream without consuming them."""
    if hasattr(stream, "peek"):
        return stream.peek(n)[:n]
    return b""


# --- checks -------------------------------------------------------------------------------------


def _oversized(value: Any, path: str, limit: int) -> Iterator[tuple[str, int]]:
    if isinstance(value, str):
        # A str of n characters is n..4n bytes in UTF-8; encode only when it matters.
        n = len(value)
        if n > limit:
            yield path, len(value.encode("utf-8", "surrogatepass"))
        elif n * 4 > limit:
            size = len(value.encode("utf-8", "surrogatepass"))
            if size > limit:
                yield path, size
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _oversized(item, f"{path}.{key}" if path else str(key), limit)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _oversized(item, f"{path}[{index}]", limit)


def check_field_sizes(
    data: Any,
    *,
    line: int | None,
    errors: ErrorCollector,
    limit: int | None = None,
    size: int = 0,
) -> bool:
    """Reports every string in `data` longer than IMPORT_MAX_FIELD_BYTES; True if all fit.

    `size` (a Record's size bound) lets a record that is small as a whole skip the walk.
    """
    limit = limit or max_field_bytes()
    if 0 < size <= limit:
        return True
    ok = True
    for path, size in _oversized(data, "", limit):
        ok = False
        errors.add(
            f"is {human_bytes(size)}; the largest allowed is {human_bytes(limit)} "
            f"(IMPORT_MAX_FIELD_BYTES)",
            field=path or None,
            line=line,
            code="too_large",
        )
    return ok


# --- batching and progress ----------------------------------------------------------------------


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Lists of up to `size` items, in order."""
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def progress_bar(
    *,
    total: int | None = None,
    desc: str = "",
    unit: str = "B",
    stream: IO[str] | None = None,
    enabled: bool | None = None,
):
    """A tqdm bar on stderr (bytes by default), disabled when the output is not a terminal."""
    from tqdm import tqdm

    stream = stream or sys.stderr
    if enabled is None:
        enabled = hasattr(stream, "isatty") and stream.isatty()
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        unit_scale=unit == "B",
        unit_divisor=1024 if unit == "B" else 1000,
        file=stream,
        disable=not enabled,
        dynamic_ncols=True,
        leave=False,
    )


def submitted_at_parse(value: Any, *, line: int, errors: ErrorCollector) -> datetime | None:
    """A record's `submitted_at`: ISO 8601, naive read as UTC, never in the future; None when
    absent. A bad value is added to `errors` with its line."""
    if value in (None, ""):
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        errors.add(
            f"must be an ISO 8601 date and time such as 2025-03-01T10:00:00Z, got {value!r}",
            field="submitted_at",
            line=line,
        )
        return None
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    if parsed > timezone.now():
        errors.add("is in the future", field="submitted_at", line=line)
        return None
    return parsed
