"""Reading a project's reviews into arrays for the agreement job.

Fast path: each review's grades are stored as int16 category codes (`Review.grade_codes`, see
`curation.rubrics.codes`), so one binary `COPY (SELECT ...) TO STDOUT` sends fixed-width rows of
plain numbers and bytes, and numpy views each block of rows in place: nothing is parsed.

Fallback: reviews without codes (written before the codes existed, or by a writer that bypassed
the model) are read as one line of JSON each; pyarrow's JSON reader decodes them in blocks on a
second thread while the next block streams in. Both paths give the same arrays.
"""

from __future__ import annotations

import io
import json
import queue
import threading

import numpy as np
from django.db import connection

from core.pgcopy import copy_out_blocks
from curation.agreement.stats.report import Item
from curation.models import Project, Review
from curation.rubrics.codes import CODE_DTYPE, grade_code, grade_codes_width
from curation.rubrics.validation import VERDICTS

BLOCK_BYTES = 32 * 1024 * 1024
SCALARS = ("sample", "reviewer", "is_model", "time_ms", "day", "verdict")

# Every review in one scan; a review without usable codes comes with `coded` 0 and filler bytes
# in their place, and is then read again from its JSON (a second scan only when there are any).
CODES_SQL = (
    "SELECT r.sample_id::int8, r.reviewer_id::int8, r.is_model::int::int2,"
    " COALESCE(r.time_on_task_ms, -1)::int4,"
    " ((r.submitted_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01')::int4,"
    " (octet_length(r.grade_codes) IS NOT DISTINCT FROM %(width)s)::int::int2,"
    " CASE WHEN octet_length(r.grade_codes) = %(width)s THEN r.grade_codes"
    " ELSE %(filler)s::bytea END"
    " FROM curation_review r WHERE r.project_id = %(project)s AND r.rubric_id = %(rubric)s"
)
JSON_SQL = (
    "SELECT '{\"sample\":' || r.sample_id || ',\"reviewer\":' || r.reviewer_id"
    " || ',\"is_model\":' || r.is_model::int"
    " || ',\"time_ms\":' || COALESCE(r.time_on_task_ms, -1)"
    " || ',\"day\":' || ((r.submitted_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01')"
    " || ',\"verdict\":' || COALESCE(array_position(%s::text[], r.verdict::text) - 1, -1)"
    " || ',\"grades\":' || COALESCE(r.grades::text, '{}') || '}'"
    " FROM curation_review r WHERE r.project_id = %s AND r.rubric_id = %s"
    " AND (r.grade_codes IS NULL OR octet_length(r.grade_codes) <> %s)"
)


def read_postgres(project: Project, items: list[Item]) -> dict[str, np.ndarray]:
    """Per review row: sample, reviewer, is_model, time_ms, day; `codes`, rows x items (int16)."""
    width = grade_codes_width(items)
    parts, uncoded = _read_codes(project, items, width)
    if uncoded:
        parts += _read_json(project, items, width)
    return _assemble(parts, items)


# --- fast path: binary COPY of fixed-width rows ----------------------------------------------


CODES_FIELDS = (
    ("sample", ">i8"),
    ("reviewer", ">i8"),
    ("is_model", ">i2"),
    ("time_ms", ">i4"),
    ("day", ">i4"),
    ("coded", ">i2"),
)


def _read_codes(project: Project, items: list[Item], width: int) -> tuple[list[dict], int]:
    """The reviews with stored codes, and how many were left for the JSON reader."""
    fields = (*CODES_FIELDS, ("codes", CODE_DTYPE, (len(items),)))
    params = {
        "width": width,
        "filler": b"\xff" * width,
        "project": project.pk,
        "rubric": project.rubric_id,
    }
    parts, uncoded = [], 0
    for rows in copy_out_blocks(CODES_SQL, params, fields):
        if not rows["coded"].all():
            uncoded += int((rows["coded"] == 0).sum())
            rows = rows[rows["coded"] == 1]
        part = {
            "sample": rows["sample"].astype(np.int64),
            "reviewer": rows["reviewer"].astype(np.int64),
        }
        for name in ("is_model", "time_ms", "day"):
            part[name] = rows[name].astype(np.int32)
        part["codes"] = rows["codes"].astype(np.int16)
        parts.append(part)
    return parts, uncoded


# --- fallback: one line of JSON per review ---------------------------------------------------


def _grade_type(item: Item):
    import pyarrow as pa

    if item.kind in ("binary", "points"):
        return pa.bool_()
    if item.kind == "ordinal":
        return pa.float64()
    if all(isinstance(c, str) for c in item.categories):
        return pa.string()
    return None  # choices that are not strings: decoded in Python


def _codes_from_column(item: Item, column) -> np.ndarray:
    """Category codes (-1 missing) of one grades column decoded by pyarrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if item.kind in ("binary", "points"):
        return np.asarray(pc.fill_null(pc.cast(column, pa.int32()), -1), dtype=np.int32)
    if item.kind == "ordinal":
        values = np.asarray(pc.fill_null(column, np.nan), dtype=np.float64)
        codes = values - float(item.categories[0])
        ok = np.isfinite(codes) & (codes == np.floor(codes))
        ok &= (codes >= 0) & (codes < len(item.categories))
        return np.where(ok, codes, -1).astype(np.int32)
    index = pc.index_in(column, value_set=pa.array(item.categories, type=pa.string()))
    return np.asarray(pc.fill_null(index, -1), dtype=np.int32)


def _decode_python(block: bytes, grade_items: list[Item]) -> dict[str, np.ndarray]:
    """The slow, forgiving decoder, for a block the typed reader refused (a malformed grade)."""
    rows = [json.loads(line) for line in block.splitlines() if line]
    out = {n: np.array([r[n] for r in rows], dtype=np.int64) for n in SCALARS}
    for i, item in enumerate(grade_items):
        out[f"c{i}"] = np.array(
            [
                grade_code(item, g.get(item.key) if isinstance(g, dict) else None)
                for g in (r["grades"] for r in rows)
            ],
            dtype=np.int32,
        )
    return out


def _decoder(grade_items: list[Item]):
    import pyarrow as pa
    from pyarrow import json as pa_json

    types = [_grade_type(item) for item in grade_items]
    if any(t is None for t in types):
        return lambda block: _decode_python(block, grade_items)
    schema = pa.schema(
        [(n, pa.int64()) for n in SCALARS]
        + [
            (
                "grades",
                pa.struct([(it.key, t) for it, t in zip(grade_items, types, strict=True)]),
            )
        ]
    )
    options = pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    # The system allocator hands freed blocks back to the OS; arrow's pool would keep them.
    pool = pa.system_memory_pool()

    def decode(block: bytes) -> dict[str, np.ndarray]:
        try:
            table = pa_json.read_json(io.BytesIO(block), parse_options=options, memory_pool=pool)
        except pa.ArrowInvalid:
            return _decode_python(block, grade_items)
        out = {n: table.column(n).to_numpy() for n in SCALARS}
        grades = table.column("grades").combine_chunks()
        for i, item in enumerate(grade_items):
            out[f"c{i}"] = _codes_from_column(item, grades.field(item.key))
        return out

    return decode


def _narrow(parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {}
    for name, values in parts.items():
        keep64 = name in ("sample", "reviewer")
        out[name] = np.array(values, dtype=np.int64 if keep64 else np.int32, copy=True)
    return out


def _read_json(project: Project, items: list[Item], width: int) -> list[dict[str, np.ndarray]]:
    grade_items = [it for it in items if it.kind != "verdict"]
    decode = _decoder(grade_items)
    parts: list[dict[str, np.ndarray]] = []
    blocks: queue.Queue = queue.Queue(maxsize=2)
    failure: list[BaseException] = []

    def work() -> None:
        while (block := blocks.get()) is not None:
            if failure:
                continue
            try:
                if b"\\" in block:  # COPY's text format doubles every backslash
                    block = block.replace(b"\\\\", b"\\")
                parts.append(_by_item(_narrow(decode(block)), items))
            except BaseException as exc:  # reported on the reading thread
                failure.append(exc)

    worker = threading.Thread(target=work, name="agreement-decode", daemon=True)
    worker.start()
    try:
        with connection.cursor() as cursor:
            sql = cursor.mogrify(JSON_SQL, [list(VERDICTS), project.pk, project.rubric_id, width])
            raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
            pending = bytearray()
            with raw.copy(f"COPY ({sql}) TO STDOUT") as copy:
                for chunk in copy:
                    pending += chunk
                    if len(pending) >= BLOCK_BYTES:
                        cut = pending.rfind(b"\n") + 1
                        blocks.put(bytes(pending[:cut]))
                        del pending[:cut]
                        if failure:
                            break
            if pending and not failure:
                blocks.put(bytes(pending))
    finally:
        blocks.put(None)
        worker.join()
    if failure:
        raise failure[0]
    return parts


def _by_item(part: dict[str, np.ndarray], items: list[Item]) -> dict[str, np.ndarray]:
    """The decoder's grade columns (c<g>, verdict) as one codes matrix in item order."""
    out = {n: part.pop(n) for n in SCALARS if n != "verdict"}
    columns, g = [], 0
    for item in items:
        if item.kind == "verdict":
            columns.append(part.pop("verdict"))
        else:
            columns.append(part.pop(f"c{g}"))
            g += 1
    out["codes"] = np.stack(columns, axis=1).astype(np.int16)
    return out


def _assemble(parts: list[dict[str, np.ndarray]], items: list[Item]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for n in (n for n in SCALARS if n != "verdict"):
        dtype = np.int64 if n in ("sample", "reviewer") else np.int32
        out[n] = np.concatenate([p.pop(n) for p in parts]) if parts else np.zeros(0, dtype)
    out["codes"] = (
        np.concatenate([p.pop("codes") for p in parts])
        if parts
        else np.zeros((0, len(items)), np.int16)
    )
    return out


def read_portable(project: Project, items: list[Item]) -> dict[str, np.ndarray]:
    """The same arrays, for databases without COPY (the SQLite demo)."""
    rows = (
        Review.objects.filter(project=project, rubric_id=project.rubric_id)
        .values_list(
            "sample_id",
            "reviewer_id",
            "is_model",
            "time_on_task_ms",
            "submitted_at",
            "grades",
            "verdict",
        )
        .iterator(chunk_size=5000)
    )
    out: dict[str, list] = {n: [] for n in ("sample", "reviewer", "is_model", "time_ms", "day")}
    codes: list[list[int]] = []
    for sample, reviewer, is_model, ms, at, grades, verdict in rows:
        out["sample"].append(sample)
        out["reviewer"].append(reviewer)
        out["is_model"].append(int(is_model))
        out["time_ms"].append(-1 if ms is None else ms)
        out["day"].append(int(at.timestamp() // 86400))
        codes.append(
            [
                grade_code(it, verdict if it.kind == "verdict" else (grades or {}).get(it.key))
                for it in items
            ]
        )
    arrays = {n: np.asarray(v, dtype=np.int64) for n, v in out.items()}
    arrays["codes"] = np.asarray(codes, dtype=np.int16).reshape(-1, len(items))
    return arrays
