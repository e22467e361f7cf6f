"""Binary COPY reads: right values, loud failures, and a connection still usable afterwards."""

from __future__ import annotations

import numpy as np
import psycopg
import pytest
from django.db import connection, transaction

from core.pgcopy import copy_out_blocks, fetch_int8_arrays

pytestmark = pytest.mark.django_db
FIELDS = (("n", ">i8"), ("half", ">i4"), ("code", "<i2", (2,)))
QUERY = (
    "SELECT g::int8, (g / 2)::int4, int2send((g %% 1000)::int2) || int2send((-g %% 1000)::int2)"
    " FROM generate_series(1, %s) g"
)


def copy_out_columns(query: str, params, fields) -> dict:
    blocks = list(copy_out_blocks(query, params, fields, block_bytes=256 * 1024))
    return {
        f[0]: np.concatenate([b[f[0]] for b in blocks]).astype(np.dtype(f[1]).newbyteorder("="))
        if blocks
        else np.zeros((0, *(f[2] if len(f) > 2 else ())), np.dtype(f[1]).newbyteorder("="))
        for f in fields
    }


def _usable() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        return cursor.fetchone()[0] == 42


def test_rows_arrive_as_native_arrays():
    columns = copy_out_columns(QUERY, [50_000], FIELDS)
    assert columns["n"].tolist() == list(range(1, 50_001))
    assert columns["half"][:4].tolist() == [0, 1, 1, 2]
    # int2send writes big-endian; read as little-endian int16 pairs, 1 -> 256.
    assert columns["code"].shape == (50_000, 2)
    assert columns["code"][0].tolist() == [256, -1]
    assert _usable()


def test_an_empty_result_gives_empty_arrays():
    columns = copy_out_columns(QUERY, [0], FIELDS)
    assert columns["n"].dtype == np.int64 and len(columns["n"]) == 0
    assert columns["code"].shape == (0, 2)


def test_a_null_is_refused_by_name_not_misread():
    query = "SELECT CASE WHEN g = 7 THEN NULL ELSE g END::int8 FROM generate_series(1, 10) g"
    with pytest.raises(ValueError, match="NULL"):
        copy_out_columns(query, [], (("n", ">i8"),))
    assert _usable()


def test_an_error_midway_is_raised_and_the_connection_recovers():
    query = "SELECT (1 / (g - 30000))::int8 FROM generate_series(1, 60000) g"
    with pytest.raises(psycopg.DatabaseError, match="division by zero"), transaction.atomic():
        copy_out_columns(query, [], (("n", ">i8"),))
    assert _usable()


def test_a_reader_that_stops_early_leaves_the_connection_usable():
    blocks = copy_out_blocks(QUERY, [200_000], FIELDS, block_bytes=64 * 1024)
    first = next(blocks)
    assert first["n"][0] == 1
    blocks.close()
    assert _usable()


def test_aggregated_bigint_arrays_come_back_whole_or_empty():
    values, doubled = fetch_int8_arrays(
        "SELECT array_send(array_agg(g::int8)), array_send(array_agg((2 * g)::int8))"
        " FROM generate_series(-5, 100000) g",
        [],
    )
    assert values.tolist() == list(range(-5, 100_001))
    assert doubled[-1] == 200_000
    (nothing,) = fetch_int8_arrays(
        "SELECT array_send(array_agg(g::int8)) FROM generate_series(1, 0) g", []
    )
    assert nothing.dtype == np.int64 and len(nothing) == 0


def test_an_aggregated_array_with_nulls_is_refused():
    with pytest.raises(ValueError, match="NULL"):
        fetch_int8_arrays(
            "SELECT array_send(array_agg(NULLIF(g, 3)::int8)) FROM generate_series(1, 5) g", []
        )
