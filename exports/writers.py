"""Streaming writers: JSON Lines and Parquet, constant memory, byte-identical for the same rows."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

JSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
PARQUET_ROW_GROUP = 10_000


class JsonlWriter:
    def __init__(self, path: Path, schema: pa.Schema | None = None) -> None:
        self.path = path
        self.rows = 0
        self._file = open(path, "wb", buffering=1024 * 1024)  # noqa: SIM115

    def write(self, row: dict) -> None:
        self._file.write(orjson.dumps(row, option=JSON_OPTIONS))
        self.rows += 1

    def close(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()


class ParquetRowWriter:
    """Buffers one row group at a time; a `ParquetWriter` appends it to the file."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.schema = schema
        self.rows = 0
        self._buffer: list[dict] = []
        self._writer = pq.ParquetWriter(
            str(path), schema, compression="zstd", write_statistics=True, use_dictionary=True
        )

    def write(self, row: dict) -> None:
        self._buffer.append(row)
        self.rows += 1
        if len(self._buffer) >= PARQUET_ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            self._writer.write_table(pa.Table.from_pylist(self._buffer, schema=self.schema))
            self._buffer = []

    def close(self) -> None:
        self._flush()
        self._writer.close()
        with open(self.path, "rb+") as f:
            os.fsync(f.fileno())


WRITERS = {"jsonl": JsonlWriter, "parquet": ParquetRowWriter}


def file_digest(path: Path) -> tuple[int, str]:
    """Byte size and SHA-256 of a file."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
