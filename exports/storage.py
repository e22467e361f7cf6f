"""Where export files live: a working folder while building, then published in one move.

With the local filesystem storage the working folder sits inside the storage root and is renamed
into place (atomic on one filesystem); with any other django-storages backend (S3…) the finished
files are saved with `storage.save` once complete. Either way nothing is visible before the build
succeeded, and the database row only says `done` after the files are in place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage, storages

from .writers import fsync_dir

TMP = "exports/.tmp"


def local_root() -> Path | None:
    """The folder of the local filesystem storage; None for any other backend."""
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        return Path(storage.path(""))
    return None


def export_prefix(*, project_slug: str, version: int, format: str) -> str:
    return f"exports/{project_slug}/v{version:04d}-{format}"


def work_dir(*, export_id: int, attempt: int) -> Path:
    root = local_root()
    if root is None:
        return Path(tempfile.mkdtemp(prefix=f"export-{export_id}-{attempt}-"))
    path = root / TMP / f"{export_id}-{attempt}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def discard_work(*, export_id: int) -> None:
    """Remove every working folder an earlier attempt of this export left behind."""
    root = local_root()
    if root is None:
        for path in Path(tempfile.gettempdir()).glob(f"export-{export_id}-*"):
            shutil.rmtree(path, ignore_errors=True)
        return
    for path in (root / TMP).glob(f"{export_id}-*"):
        shutil.rmtree(path, ignore_errors=True)


def publish(*, workdir: Path, prefix: str, names: list[str]) -> None:
    root = local_root()
    if root is None:
        for name in names:
            target = f"{prefix}/{name}"
            if default_storage.exists(target):
                default_storage.delete(target)  # a half-published earlier attempt
            with open(workdir / name, "rb") as f:
                saved = default_storage.save(target, File(f, name=name))
            if saved != target:
                raise OSError(f"storage saved {target} as {saved}")
        shutil.rmtree(workdir, ignore_errors=True)
        return
    final = root / prefix
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        shutil.rmtree(final)  # left by an attempt that moved its files but never committed
    os.rename(workdir, final)
    fsync_dir(final.parent)


def unpublish(*, prefix: str, names: list[str]) -> None:
    root = local_root()
    if root is None:
        for name in names:
            default_storage.delete(f"{prefix}/{name}")
        return
    shutil.rmtree(root / prefix, ignore_errors=True)


def open_file(*, prefix: str, name: str):
    return default_storage.open(f"{prefix}/{name}", "rb")


def file_size(*, prefix: str, name: str) -> int:
    return default_storage.size(f"{prefix}/{name}")
