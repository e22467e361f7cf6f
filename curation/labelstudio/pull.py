"""Pull: read annotations from Label Studio into one plain shape, shared with the offline import."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from .client import server_errors
from .config import EXTERNAL_ID_KEY, SAMPLE_ID_KEY


@dataclass(frozen=True)
class ExportedAnnotation:
    """One Label Studio annotation, whichever door it came through."""

    annotation_id: int | str
    task_id: int | None
    sample_id: int | None  # from the task's meta or data, when Rounds pushed it
    external_id: str | None  # the sample's external id, when the task data carries it
    annotator_id: int | None
    annotator_email: str
    result: Any
    was_cancelled: bool
    created_at: datetime | None
    updated_at: datetime | None
    position: int | None = None  # the task's index in an export file, for error messages


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return parse_datetime(value) if isinstance(value, str) else None


def _sample_id(task: Mapping) -> int | None:
    for holder in (task.get("meta"), task.get("data")):
        if isinstance(holder, Mapping):
            value = holder.get(SAMPLE_ID_KEY)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, str) and value.isdigit():
                return int(value)
    return None


def annotations_from_tasks(
    tasks: Iterable[Mapping],
    *,
    emails: Mapping[int, str] | None = None,
    id_field: str = EXTERNAL_ID_KEY,
) -> Iterator[ExportedAnnotation]:
    """Flatten tasks (as the API or a JSON export gives them) into their annotations.

    `completed_by` is a user id in 1.x exports and the API, or an object with an e-mail in older
    exports; `emails` resolves ids."""
    emails = emails or {}
    for position, task in enumerate(tasks):
        if not isinstance(task, Mapping):
            continue
        data = task.get("data") if isinstance(task.get("data"), Mapping) else {}
        meta = task.get("meta") if isinstance(task.get("meta"), Mapping) else {}
        external = data.get(id_field, meta.get(id_field))
        for annotation in task.get("annotations") or []:
            if not isinstance(annotation, Mapping):
                continue
            by = annotation.get("completed_by")
            if isinstance(by, Mapping):
                annotator_id, email = by.get("id"), str(by.get("email") or "")
            else:
                annotator_id = by if isinstance(by, int) else None
                email = emails.get(annotator_id, "") if annotator_id is not None else ""
            yield ExportedAnnotation(
                annotation_id=annotation.get("id"),
                task_id=task.get("id"),
                sample_id=_sample_id(task),
                external_id=None if external is None else str(external),
                annotator_id=annotator_id,
                annotator_email=email.strip().lower(),
                result=annotation.get("result"),
                was_cancelled=bool(annotation.get("was_cancelled")),
                created_at=_when(annotation.get("created_at")),
                updated_at=_when(annotation.get("updated_at")),
                position=position,
            )


def users_fetch(client: Any) -> dict[int, str]:
    """Label Studio user id -> e-mail, for the organisation the token belongs to."""
    with server_errors("list its users"):
        return {user.id: (user.email or "") for user in client.users.list()}


def tasks_fetch(client: Any, *, ls_project_id: int) -> Iterator[dict]:
    """Every task of the project that has annotations, with them, one page at a time."""
    with server_errors(f"read the annotations of project {ls_project_id}"):
        for task in client.tasks.list(
            project=ls_project_id, fields="all", only_annotated=True, page_size=200
        ):
            # Built from attributes: the SDK's model types `annotations` loosely, and dumping it
            # through pydantic warns; the values themselves are the server's JSON.
            yield {
                "id": task.id,
                "data": task.data,
                "meta": task.meta,
                "annotations": [
                    a if isinstance(a, dict) else a.model_dump(mode="json")
                    for a in (task.annotations or [])
                ],
            }
