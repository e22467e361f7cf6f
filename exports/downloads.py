"""Serving a built export file: streaming, Content-Length, ETag = SHA-256, Range, If-None-Match."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from core.errors import Conflict, NotFound

from . import storage
from .models import Export

CONTENT_TYPES = {
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
}
CHUNK = 256 * 1024
# At most 18 digits: longer byte positions are beyond any file (and int() of 4,300+ digits raises).
RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")
ABSURD = re.compile(r"^bytes=\d*-\d*$")


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [c.strip().removeprefix("W/") for c in header.split(",")]
    return "*" in candidates or etag in candidates


def _byte_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """(first, last) inclusive; None to serve everything; False when unsatisfiable."""
    match = RANGE.match(header.strip())
    if not match:
        if ABSURD.match(header.strip()):
            return False  # one range whose positions run to more digits than any file has
        return None  # several ranges or another unit: serve the whole file, as RFC 9110 allows
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return False
    return start, end


def built(export: Export) -> None:
    if export.status != Export.Status.DONE:
        raise Conflict(
            f"Export {export.pk} is {export.status}; files are available once it is done.",
            code="not_ready",
        )


def data_file_response(request: HttpRequest, export: Export, split: str | None) -> HttpResponse:
    built(export)
    entry = export.file_for(split)
    if entry is None:
        raise NotFound(f"This export has no {split} split.")
    etag = f'"{entry["sha256"]}"'
    filename = f"{export.project.slug}-v{export.version:04d}-{export.format}-{entry['path']}"
    return file_response(
        request,
        prefix=export.storage_prefix,
        name=entry["path"],
        size=entry["bytes"],
        etag=etag,
        content_type=CONTENT_TYPES[export.file_format],
        filename=filename,
    )


def file_response(
    request: HttpRequest,
    *,
    prefix: str,
    name: str,
    size: int,
    etag: str,
    content_type: str,
    filename: str,
) -> HttpResponse:
    base = {"ETag": etag, "Accept-Ranges": "bytes", "Cache-Control": "private, max-age=31536000"}
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match and _etag_matches(if_none_match, etag):
        response = HttpResponse(status=304)
        for key, value in base.items():
            response[key] = value
        return response
    start, end, status = 0, size - 1, 200
    range_header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if range_header and (not if_range or if_range.strip() == etag):
        wanted = _byte_range(range_header, size)
        if wanted is False:
            message = f"The requested range is not within the file's {size} bytes."
            response = JsonResponse(
                {
                    "detail": message,
                    "errors": [{"message": message, "code": "range_not_satisfiable"}],
                },
                status=416,
            )
            response["Content-Range"] = f"bytes */{size}"
            for key, value in base.items():
                response[key] = value
            return response
        if wanted:
            start, end = wanted
            status = 206
    length = max(0, end - start + 1)
    response = StreamingHttpResponse(
        storage.read_range(prefix=prefix, name=name, start=start, length=length, chunk=CHUNK),
        status=status,
        content_type=content_type,
    )
    response["Content-Length"] = str(length)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    for key, value in base.items():
        response[key] = value
    return response


def side_file_response(request: HttpRequest, export: Export, name: str) -> HttpResponse:
    """manifest.json or README.md; their ETag is derived from the export's data checksum."""
    built(export)
    size = storage.file_size(prefix=export.storage_prefix, name=name)
    kind = "json" if name.endswith(".json") else "md"
    tag = "manifest" if kind == "json" else "card"
    return file_response(
        request,
        prefix=export.storage_prefix,
        name=name,
        size=size,
        etag=f'"{export.sha256}-{tag}"',
        content_type=CONTENT_TYPES[kind],
        filename=f"{export.project.slug}-v{export.version:04d}-{export.format}-{name}",
    )
