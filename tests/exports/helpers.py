"""Build an export in-process and read back what it wrote."""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow.parquet as pq
from django.conf import settings

from exports.build import pseudonym_salt
from exports.models import Export
from exports.rows import RowContext
from exports.services import export_build, export_create


def build(project, actor, format: str, **kwargs) -> Export:
    export = export_create(actor=actor, project=project, format=format, enqueue=False, **kwargs)
    export = export_build(export_id=export.pk)
    assert export.status == Export.Status.DONE, export.error
    return export


def data_path(export: Export, split: str = "train") -> Path:
    entry = export.file_for(split)
    return Path(settings.STORAGE_ROOT) / export.storage_prefix / entry["path"]


def read_rows(export: Export, split: str = "train") -> list[dict]:
    path = data_path(export, split)
    if export.file_format == "parquet":
        return pq.read_table(path).to_pylist()
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def pseudonyms(export: Export, *physicians) -> list[str]:
    """The reviewer ids this export gives these physicians, sorted as rows list them."""
    ctx = RowContext(
        format=export.format,
        rubric_version="",
        salt=pseudonym_salt(project_id=export.project_id, format=export.format, spec=export.spec),
    )
    return sorted(ctx.pseudonym(p.user_id) for p in physicians)
