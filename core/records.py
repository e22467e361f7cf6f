"""Record readers: stream records with the line they start on, never loading a whole data file.

- `iter_records` dispatches to `iter_jsonl` (one JSON value a line), `iter_json_array` (a top-level
  array, scanned element by element) and `iter_csv` (csv.DictReader, one dict per row). A broken
  record is reported to the collector and skipped, so one pass finds many problems.
- `load_document` parses a small YAML or JSON config file whole (a project definition).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import orjson

from .errors import DomainError
from .ingest import (
    CHUNK_BYTES,
    ErrorCollector,
    detect_format,
    human_bytes,
    max_record_bytes,
    open_source,
)

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
