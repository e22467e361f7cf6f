"""Bulk reads of fixed-width rows with PostgreSQL's binary COPY, viewed in place by numpy.

When every column of a query is a fixed-width value that is never NULL (integers, floats, or a
bytea of known length), each row of `COPY ... TO STDOUT (FORMAT binary)` has the same size: a
field count, then each field's length and big-endian value. A block of such rows is a numpy
structured array as it arrives, so millions of rows cost a `frombuffer` and a byte swap instead
of a parse. Lengths are checked, so a NULL or a wrong width fails loudly instead of misreading.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from django.db import connection

SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
HEADER = 19  # signature, flags, header-extension length
TRAILER = b"\xff\xff"
BLOCK_BYTES = 32 * 1024 * 1024


def row_dtype(fields: Sequence[tuple]) -> np.dtype:
    """The dtype of one row; `fields` are (name, dtype) or (name, dtype, shape) tuples."""
    parts: list[tuple] = [("_fields", ">i2")]
    for field in fields:
        parts += [(f"_{field[0]}_len", ">i4"), field]
    return np.dtype(parts)


def _check(rows: np.ndarray, fields: Sequence[tuple]) -> None:
    if not len(rows):
        return
    if not (rows["_fields"] == len(fields)).all():
        raise ValueError("binary COPY: a row has an unexpected number of fields")
    for field in fields:
        width = rows.dtype.fields[field[0]][0].itemsize
        if not (rows[f"_{field[0]}_len"] == width).all():
            raise ValueError(f"binary COPY: {field[0]} is NULL or not {width} bytes in a row")


def copy_out_blocks(
    query: str, params: Sequence, fields: Sequence[tuple], *, block_bytes: int = BLOCK_BYTES
) -> Iterator[np.ndarray]:
    """Yield the rows of `query` as structured arrays, about `block_bytes` at a time."""
    row = row_dtype(fields)
    pending = bytearray()
    header = True
    with connection.cursor() as cursor:
        sql = cursor.mogrify(query, list(params))
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        with raw.copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)") as copy:
            for chunk in copy:
                pending += chunk
                if header and len(pending) >= HEADER:
                    if pending[:11] != SIGNATURE:
                        raise ValueError("binary COPY: not a PGCOPY stream")
                    del pending[: HEADER + int.from_bytes(pending[15:19], "big")]
                    header = False
                if len(pending) >= block_bytes:
                    cut = len(pending) // row.itemsize * row.itemsize
                    rows = np.frombuffer(bytes(pending[:cut]), dtype=row)
                    del pending[:cut]
                    _check(rows, fields)
                    yield rows
    if pending[-2:] != TRAILER or (len(pending) - 2) % row.itemsize:
        raise ValueError("binary COPY: the stream ended mid-row")
    rows = np.frombuffer(bytes(pending[:-2]), dtype=row)
    _check(rows, fields)
    if len(rows):
        yield rows


def copy_out_columns(query: str, params: Sequence, fields: Sequence[tuple]) -> dict:
    """All rows of `query` as one native-endian array per field."""
    columns: dict[str, list[np.ndarray]] = {f[0]: [] for f in fields}
    for rows in copy_out_blocks(query, params, fields):
        for field in fields:
            columns[field[0]].append(
                rows[field[0]].astype(rows.dtype[field[0]].base.newbyteorder("="))
            )
    return {
        f[0]: (
            np.concatenate(columns[f[0]])
            if columns[f[0]]
            else np.zeros((0, *f[2:]), dtype=np.dtype(f[1]).newbyteorder("="))
        )
        for f in fields
    }
