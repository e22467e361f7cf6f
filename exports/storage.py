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
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
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


def _bucket_key(storage, name: str) -> str:
    return f"{storage.location.rstrip('/')}/{name}" if storage.location else name


def read_range(*, prefix: str, name: str, start: int, length: int, chunk: int) -> Iterator[bytes]:
    """`length` bytes of a stored file from `start`, in chunks.

    From an object store this is one ranged GET streamed as it arrives: a resumed download of
    the last megabyte of a large file reads that megabyte, not the file.
    """
    if length <= 0:
        return
    storage = storages["default"]
    if hasattr(storage, "bucket"):  # django-storages' S3 backend (AWS, MinIO, ...)
        obj = storage.bucket.Object(_bucket_key(storage, f"{prefix}/{name}"))
        body = obj.get(Range=f"bytes={start}-{start + length - 1}")["Body"]
        try:
            yield from body.iter_chunks(chunk)
        finally:
            body.close()
        return
    with open_file(prefix=prefix, name=name) as f:
        f.seek(start)
        remaining = length
        while remaining > 0:
            data = f.read(min(chunk, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data


def presigned_url(*, prefix: str, name: str, filename: str, expires: int) -> str | None:
    """A URL that downloads the file straight from the object store for `expires` seconds;
    None when the storage cannot sign one (the local file system)."""
    storage = storages["default"]
    if not hasattr(storage, "bucket"):
        return None
    params = {
        "Bucket": storage.bucket_name,
        "Key": _bucket_key(storage, f"{prefix}/{name}"),
        "ResponseContentDisposition": f'attachment; filename="{filename}"',
    }
    return _signing_client(storage).generate_presigned_url(
        "get_object", Params=params, ExpiresIn=expires
    )


def _signing_client(storage):
    """The storage's own client, or one naming the public endpoint (S3_PUBLIC_ENDPOINT_URL)
    when the app reaches the store by an internal name (http://minio:9000) pipelines cannot."""
    public = getattr(settings, "S3_PUBLIC_ENDPOINT_URL", "")
    if not public:
        return storage.connection.meta.client
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=public,
        region_name=settings.S3_REGION,
        aws_access_key_id=settings.S3_ACCESS_KEY_ID or None,
        aws_secret_access_key=settings.S3_SECRET_ACCESS_KEY or None,
        config=Config(
            signature_version="s3v4", s3={"addressing_style": settings.S3_ADDRESSING_STYLE}
        ),
    )


def file_size(*, prefix: str, name: str) -> int:
    return default_storage.size(f"{prefix}/{name}")
