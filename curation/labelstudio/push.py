"""Push: create or update the Label Studio project and import tasks (the remote half only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.errors import DomainError

from .client import is_not_found, server_errors
from .config import SAMPLE_ID_KEY

TITLE_MIN, TITLE_MAX = 3, 50


def project_title(name: str) -> str:
    """Label Studio wants 3 to 50 characters."""
    title = " ".join(name.split())[:TITLE_MAX]
    return title if len(title) >= TITLE_MIN else f"Rounds: {title}"[:TITLE_MAX]


def project_ensure(
    client: Any, *, ls_project_id: int | None, title: str, label_config: str, instructions: str
) -> tuple[int, bool, int]:
    """Update the linked project, or create one when there is none (or it was deleted in Label
    Studio). The server validates the labelling config either way.

    Returns (project id, created, number of tasks the server holds)."""
    fields = {
        "title": title,
        "label_config": label_config,
        "expert_instruction": instructions,
        "show_instruction": bool(instructions),
    }
    if ls_project_id is not None:
        with server_errors(f"update project {ls_project_id}", field="label_config"):
            remote = _update_unless_deleted(client, ls_project_id, fields)
        if remote is not None:
            return remote.id, False, int(remote.task_number or 0)
    with server_errors("create the project", field="label_config"):
        remote = client.projects.create(**fields)
    return remote.id, True, 0


def _update_unless_deleted(client: Any, ls_project_id: int, fields: dict) -> Any:
    try:
        return client.projects.update(id=ls_project_id, **fields)
    except Exception as exc:
        if is_not_found(exc):
            return None
        raise


def tasks_existing(client: Any, *, ls_project_id: int) -> dict[int, int]:
    """Rounds sample id -> task id for every task on the server that carries one."""
    found: dict[int, int] = {}
    with server_errors(f"list the tasks of project {ls_project_id}"):
        for task in client.tasks.list(project=ls_project_id, fields="task_only", page_size=500):
            for holder in (task.meta or {}, task.data or {}):
                sample_id = holder.get(SAMPLE_ID_KEY) if isinstance(holder, dict) else None
                if isinstance(sample_id, int):
                    found.setdefault(sample_id, task.id)
                    break
    return found


def tasks_import(client: Any, *, ls_project_id: int, payloads: Sequence[dict]) -> list[int]:
    """Import one batch; returns the new task ids in the order of `payloads`."""
    with server_errors(f"import {len(payloads)} tasks into project {ls_project_id}"):
        response = client.projects.import_tasks(
            id=ls_project_id, request=list(payloads), return_task_ids=True
        )
    task_ids = list(response.task_ids or [])
    if len(task_ids) != len(payloads):
        raise DomainError(
            f"Label Studio created {len(task_ids)} tasks for {len(payloads)} samples; "
            "run the push again to reconcile",
            code="labelstudio_error",
        )
    return task_ids
