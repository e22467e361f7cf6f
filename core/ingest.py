"""Generic import machinery shared by every door data comes in through.

Readers stream records with the line they start on, never loading a whole data file:

    with open_source(path_or_file) as src:          # a binary stream and a display name
        errors = ErrorCollector(file=src.name)
        for record in iter_records(src, fmt="jsonl", errors=errors):
            if not check_field_sizes(record.data, line=record.line, errors=errors):
                continue
            ...                                      # validate, errors.add(...)
        errors.raise_if_any()                        # DomainError.many, up to 50 details

- `iter_records` dispatches to `iter_jsonl` (one JSON value a line), `iter_json_array` (a top-level
  array, scanned element by element) and `iter_csv` (csv.DictReader, one dict per row). A broken
  record is reported to the collector and skipped, so one pass finds many problems.
- `load_document` parses a small YAML or JSON config file whole (a project definition).
- `detect_format` guesses jsonl / json / csv / yaml from the file name and first bytes.
- `check_field_sizes` enforces settings.IMPORT_MAX_FIELD_BYTES on every string in a record.
- `batched` groups an iterable into lists; `progress_bar` is a tqdm bar that stays silent when
  the output is not a terminal; `CountingReader` reports bytes read to it.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson
from django.conf import settings

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


# --- records ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Record:
    """One parsed record, the line of the file it starts on (1-based), and a size bound.

    `size` is at least the UTF-8 size of the largest string in the record (0 when unknown), so
    `check_field_sizes` can skip its walk when the whole record is under the limit.
    """

    line: int
    data: Any
    size: int = 0


def _json_error(exc: Exception) -> str:
    msg = str(exc)
    # orjson: "unexpected character: line 1 column 12 (char 11)" -> keep the reason and column.
    return f"is not valid JSON: {msg}"


def iter_jsonl(stream: IO[bytes], *, errors: ErrorCollector) -> Iterator[Record]:
    """One JSON value per line; blank lines are skipped; broken lines are reported and skipped."""
    limit = max_record_bytes()
    line_no = 0
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        line_no += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(CHUNK_BYTES)
            errors.add(
                f"the line is longer than {human_bytes(limit)}; a record must be smaller",
                line=line_no,
                code="too_large",
            )
            if errors.full:
                return
            continue
        if line_no == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        if not raw.strip():
            continue
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            errors.add(_json_error(exc), line=line_no, code="parse")
            if errors.full:
                return
            continue
        yield Record(line_no, data, len(raw))


# Strings (complete, or an opening quote whose end is not in the buffer yet) and structure.
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|"|[\[\]{},]')
_NON_WS = re.compile(r"\S")


def iter_json_array(stream: IO[bytes], *, errors: ErrorCollector) -> Iterator[Record]:
    """Elements of a top-level JSON array, one at a time, each parsed on its own.

    A scanner finds where each element ends (tracking strings and nesting) over buffered chunks,
    so memory holds one element, not the file. Each element is then parsed by orjson, so a broken
    element is reported with its line and the scan continues with the next one.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    limit = max_record_bytes()
    buf = ""
    eof = False
    line = 1  # line number at buf[0]

    def fill() -> bool:
        nonlocal buf, eof
        if eof:
            return False
        chunk = stream.read(CHUNK_BYTES)
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            errors.add(
                f"is not valid UTF-8 ({exc.reason})", line=line + buf.count("\n"), code="parse"
            )
            eof = True
            return False
        if not chunk:
            eof = True
        buf += text
        return bool(text) or not eof

    # The opening bracket.
    while True:
        m = _NON_WS.search(buf)
        if m:
            break
        if not fill():
            errors.add("is empty: expected a JSON array", line=1, code="parse")
            return
    if buf[m.start()] != "[":
        errors.add(
            f"expected a JSON array starting with '[', found {buf[m.start()]!r}",
            line=line + buf.count("\n", 0, m.start()),
            code="parse",
        )
        return
    line += buf.count("\n", 0, m.end())
    buf = buf[m.end() :]

    pos = 0  # scan position in buf
    start = 0  # start of the current element in buf
    depth = 0
    count = 0
    while True:
        m = _TOKEN.search(buf, pos)
        if m is None or m.group() == '"' and "\n" not in buf[m.start() :] and not eof:
            if len(buf) - start > limit:
                errors.add(
                    f"an element is longer than {human_bytes(limit)}; a record must be smaller",
                    line=line + buf.count("\n", 0, start),
                    code="too_large",
                )
                return
            pos = m.start() if m is not None else len(buf)
            # Drop what is consumed, keeping line numbers right.
            if start > CHUNK_BYTES:
                line += buf.count("\n", 0, start)
                buf = buf[start:]
                pos -= start
                start = 0
            if not fill():
                if errors.full:
                    return
                first = _NON_WS.search(buf, start)
                tail_line = line + buf.count("\n", 0, first.start() if first else len(buf))
                errors.add(
                    "the JSON array is not closed: unexpected end of file",
                    line=tail_line,
                    code="parse",
                )
                return
            continue
        token = m.group()
        pos = m.end()
        if token == '"':
            # An opening quote whose string never ends on its line: the parser explains it
            # when the element is parsed at the next top-level comma.
            continue
        if token[0] == '"':
            continue
        if token in "[{":
            depth += 1
            continue
        if depth > 0:
            if token != ",":
                depth -= 1
            continue
        # A comma or the closing bracket at the top level ends an element.
        text = buf[start : m.start()]
        element_line = line + buf.count("\n", 0, start)
        stripped = text.strip()
        if stripped:
            lead = len(text) - len(text.lstrip())
            element_line += text.count("\n", 0, lead)
            count += 1
            try:
                data = orjson.loads(stripped)
            except orjson.JSONDecodeError as exc:
                errors.add(_json_error(exc), line=element_line, code="parse")
                if errors.full:
                    return
            else:
                yield Record(element_line, data, 4 * len(stripped))
        elif token == "," or count:
            errors.add(
                "is not valid JSON: an array element is missing between commas",
                line=element_line,
                code="parse",
            )
            if errors.full:
                return
        start = pos
        if token == "]":
            # Anything after the array other than whitespace is an error.
            while True:
                rest = _NON_WS.search(buf, pos)
                if rest:
                    errors.add(
                        "unexpected data after the end of the JSON array",
                        line=line + buf.count("\n", 0, rest.start()),
                        code="parse",
                    )
                    return
                line += buf.count("\n", 0, pos)
                buf, pos = "", 0
                if not fill():
                    return
        if token == "}":
            errors.add("is not valid JSON: unbalanced '}'", line=element_line, code="parse")
            return


def iter_csv(stream: IO[bytes], *, errors: ErrorCollector) -> Iterator[Record]:
    """Rows of a CSV file with a header, as dicts; the line is where the row starts."""
    limit = max_record_bytes()
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        yield from _csv_rows(csv.DictReader(text), errors)
    finally:
        text.detach()  # leave the caller's stream open


def _csv_rows(reader: csv.DictReader, errors: ErrorCollector) -> Iterator[Record]:
    try:
        header = reader.fieldnames
    except (UnicodeDecodeError, csv.Error) as exc:
        errors.add(f"cannot read the CSV header: {exc}", line=1, code="parse")
        return
    if not header:
        errors.add("is empty: expected a CSV header row", line=1, code="parse")
        return
    blank = [i + 1 for i, h in enumerate(header) if not (h or "").strip()]
    if blank:
        errors.add(f"the header has an empty column name (column {blank[0]})", line=1, code="parse")
        return
    width = len(header)
    previous_end = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            errors.add(f"is not valid UTF-8 ({exc.reason})", line=previous_end + 1, code="parse")
            return
        except csv.Error as exc:
            errors.add(f"is not valid CSV: {exc}", line=reader.line_num, code="parse")
            return
        line_no = previous_end + 1
        previous_end = reader.line_num
        if None in row:
            extra = len(row.pop(None))
            errors.add(
                f"has {width + extra} values but the header has {width} columns",
                line=line_no,
                code="parse",
            )
            if errors.full:
                return
            continue
        if any(v is None for v in row.values()):
            given = sum(v is not None for v in row.values())
            errors.add(
                f"has {given} values but the header has {width} columns", line=line_no, code="parse"
            )
            if errors.full:
                return
            continue
        yield Record(line_no, row)


def iter_records(stream: IO[bytes], *, fmt: str, errors: ErrorCollector) -> Iterator[Record]:
    """Records of a streamed data file in one of jsonl, json (an array) or csv."""
    if fmt == "jsonl":
        return iter_jsonl(stream, errors=errors)
    if fmt == "json":
        return iter_json_array(stream, errors=errors)
    if fmt == "csv":
        return iter_csv(stream, errors=errors)
    raise DomainError(
        f"unknown format {fmt!r}: expected one of jsonl, json, csv", field="format", code="format"
    )


def load_document(
    source: str | os.PathLike | bytes | IO, *, fmt: str | None = None, name: str | None = None
) -> Any:
    """Parse a small YAML or JSON document whole (a project definition, a config file).

    Errors name the file and line. YAML is loaded with the safe loader.
    """
    with open_source(source, name=name) as src:
        limit = max_record_bytes()
        data = src.stream.read(limit + 1)
        if len(data) > limit:
            raise DomainError(
                f"is larger than {human_bytes(limit)}", file=src.name, code="too_large"
            )
        fmt = fmt or detect_format(src.name, data[:4096])
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DomainError(f"is not valid UTF-8 ({exc.reason})", file=src.name, code="parse")
        if fmt in ("json", "jsonl"):
            try:
                return orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                raise DomainError(_json_error(exc), file=src.name, line=exc.lineno, code="parse")
        if fmt == "yaml":
            import yaml

            try:
                return yaml.safe_load(text)
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                problem = getattr(exc, "problem", None) or str(exc)
                raise DomainError(
                    f"is not valid YAML: {problem}",
                    file=src.name,
                    line=mark.line + 1 if mark is not None else None,
                    code="parse",
                )
        raise DomainError(
            f"unknown document format {fmt!r}: expected yaml or json", field="format", code="format"
        )


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
