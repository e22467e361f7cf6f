"""Offline import: a Label Studio JSON export file (tasks with their annotations) read through the
same mapping as a live pull, for labs bringing their labelling history into Rounds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from core.errors import DomainError

from .config import EXTERNAL_ID_KEY
from .pull import ExportedAnnotation, annotations_from_tasks


def export_read(
    source: str | Path | IO[bytes] | IO[str],
    *,
    emails: dict[int, str] | None = None,
    id_field: str = EXTERNAL_ID_KEY,
    name: str | None = None,
) -> list[ExportedAnnotation]:
    """Parse an export (a JSON list of tasks). `emails` resolves numeric `completed_by` ids, which
    is what Label Studio 1.x writes; `id_field` names the task-data key holding the sample's
    external id, for tasks that were not pushed by Rounds."""
    if isinstance(source, str | Path):
        name = name or Path(source).name
        try:
            with open(source, "rb") as handle:
                payload = _load(handle, name)
        except OSError as exc:
            raise DomainError(f"cannot be read: {exc.strerror}", file=name, code="unreadable")
    else:
        name = name or getattr(source, "name", None) or "export.json"
        payload = _load(source, name)
    if isinstance(payload, dict) and isinstance(payload.get("tasks"), list):
        payload = payload["tasks"]
    if not isinstance(payload, list):
        raise DomainError(
            "is not a Label Studio JSON export: expected a list of tasks",
            file=name,
            code="format",
        )
    return list(annotations_from_tasks(payload, emails=emails, id_field=id_field))


def _load(handle: Any, name: str) -> Any:
    try:
        return json.load(handle)
    except json.JSONDecodeError as exc:
        raise DomainError(
            f"is not valid JSON: {exc.msg}", file=name, line=exc.lineno, code="format"
        )
    except UnicodeDecodeError:
        raise DomainError("is not UTF-8 text", file=name, code="format")


def annotators_read(path: str | Path) -> dict[int, str]:
    """Label Studio user id -> e-mail from a JSON file: either {"1": "a@b"} or the list the
    /api/users/ endpoint returns ([{"id": 1, "email": "a@b"}, ...])."""
    name = Path(path).name
    try:
        with open(path, "rb") as handle:
            payload = _load(handle, name)
    except OSError as exc:
        raise DomainError(f"cannot be read: {exc.strerror}", file=name, code="unreadable")
    if isinstance(payload, dict):
        pairs = payload.items()
    elif isinstance(payload, list):
        pairs = ((u.get("id"), u.get("email")) for u in payload if isinstance(u, dict))
    else:
        raise DomainError("must map Label Studio user ids to e-mails", file=name, code="format")
    out: dict[int, str] = {}
    for key, email in pairs:
        try:
            out[int(key)] = str(email or "")
        except (TypeError, ValueError):
            raise DomainError(
                f"has a user id that is not a number: {key!r}", file=name, code="format"
            )
    return out
