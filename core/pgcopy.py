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
MISALIGNED = "binary COPY: rows are not of the expected fixed width (a NULL, or a wider value)"


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
        raise ValueError(MISALIGNED)
    for field in fields:
        width = rows.dtype.fields[field[0]][0].itemsize
        if not (rows[f"_{field[0]}_len"] == width).all():
            raise ValueError(f"binary COPY: {field[0]} is NULL or not {width} bytes in a row")


def copy_out_blocks(
    query: str, params, fields: Sequence[tuple], *, block_bytes: int = BLOCK_BYTES
) -> Iterator[np.ndarray]:
    """Yield the rows of `query` as structured arrays, about `block_bytes` at a time."""
    row = row_dtype(fields)
    pending = bytearray()
    header = True
    for chunk in _copy_chunks(query, params, block_bytes):
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
        raise ValueError(MISALIGNED)
    rows = np.frombuffer(bytes(pending[:-2]), dtype=row)
    _check(rows, fields)
    if len(rows):
        yield rows


def _copy_chunks(query: str, params, block_bytes: int) -> Iterator[bytearray]:
    """The CopyData messages of a binary COPY of `query`, about `block_bytes` joined at a time.

    PostgreSQL sends one message per row; psycopg's `Copy` iterator spends a few microseconds of
    Python on each, so millions of rows are read from libpq directly (the connection is idle
    before and after, as psycopg expects).
    """
    from psycopg import pq

    connection.ensure_connection()
    with connection.cursor() as cursor:
        sql = cursor.mogrify(query, params if isinstance(params, dict) else list(params))
    pgconn = connection.connection.pgconn
    result = pgconn.exec_(f"COPY ({sql}) TO STDOUT (FORMAT binary)".encode())
    if result.status != pq.ExecStatus.COPY_OUT:
        raise _error(pgconn, result)
    get = pgconn.get_copy_data
    buffer = bytearray()
    length = 0
    try:
        while True:
            length, data = get(0)
            if length < 0:
                break
            buffer += data  # copied at once: holding libpq's buffers is several times slower
            if len(buffer) >= block_bytes:
                yield buffer
                buffer = bytearray()
        if buffer:
            yield buffer
    finally:
        while length >= 0:  # abandoned midway: drain, so the connection is usable again
            length, _ = get(0)
        result = pgconn.get_result()
        while pgconn.get_result() is not None:
            pass
    if result is None or result.status != pq.ExecStatus.COMMAND_OK:
        raise _error(pgconn, result)


def _error(pgconn, result) -> Exception:
    import psycopg

    message = (result.error_message if result is not None else pgconn.error_message) or b""
    return psycopg.DatabaseError(f"binary COPY failed: {message.decode(errors='replace')}")


def fetch_int8_arrays(query: str, params) -> list[np.ndarray]:
    """The one row of `query`, whose columns are `array_send(array_agg(<bigint>))`, as arrays.

    A million values come back as one message per column instead of a row each: the reading
    thread then needs no Python per value, which matters when another thread keeps the GIL busy.
    A column that aggregated no rows (NULL) is an empty array.
    """
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        row = cursor.fetchone()
    return [_int8_array(value) for value in row]


def _int8_array(value) -> np.ndarray:
    if value is None:
        return np.zeros(0, dtype=np.int64)
    data = bytes(value)
    ndim, has_null, _oid = np.frombuffer(data[:12], dtype=">i4")
    if ndim == 0:
        return np.zeros(0, dtype=np.int64)
    if ndim != 1 or has_null:
        raise ValueError("array_send: expected a one-dimensional bigint array without NULLs")
    cells = np.frombuffer(data, dtype=[("len", ">i4"), ("value", ">i8")], offset=20)
    if not (cells["len"] == 8).all():
        raise ValueError("array_send: expected bigint elements")
    return cells["value"].astype(np.int64)
