"""The sample file formats Rounds reads, and how each record is mapped to the native shape.

Formats: native JSON Lines / JSON, CSV, a Label Studio task export and chat transcripts; `_mapper`
turns each into the native record that validation reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from core.errors import DomainError
from core.ingest import ErrorCollector, detect_format, open_source, peek
from core.records import Record, iter_records

FORMATS = ("jsonl", "json", "csv", "labelstudio", "chat")
ROLES = ("system", "user", "assistant")
NATIVE_FIELDS = ("id", "messages", "reasoning", "answer", "specialty", "metadata", "images", "gold")
CSV_FIELDS = ("id", "prompt", "reasoning", "answer", "specialty")
LABEL_STUDIO_PROMPT_KEYS = ("messages", "prompt", "question")


# --- mapping each format to the native shape --------------------------------------------------


def _from_chat(data: dict) -> dict:
    """A fine-tuning chat record: the last assistant turn is the answer, the rest the prompt."""
    out = dict(data)
    messages = data.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[-1], dict):
        last = messages[-1]
        if last.get("role") == "assistant" and "answer" not in data:
            out["messages"] = messages[:-1]
            out["answer"] = last.get("content")
            for key in ("reasoning", "reasoning_content", "thinking"):
                if key in last and "reasoning" not in data:
                    out["reasoning"] = last[key]
                    break
    return out


def _from_label_studio(data: dict) -> dict:
    """A Label Studio task: sample fields live under `data`; the rest is kept in metadata."""
    task = data.get("data")
    if not isinstance(task, dict):
        return data  # validation reports the missing fields
    task = dict(task)
    out: dict[str, Any] = {}
    for key in LABEL_STUDIO_PROMPT_KEYS:
        if key in task:
            value = task.pop(key)
            out["messages"] = (
                [{"role": "user", "content": value}] if isinstance(value, str) else value
            )
            break
    for key in ("reasoning", "answer", "specialty", "images", "gold"):
        if key in task:
            out[key] = task.pop(key)
    external = task.pop("id", None) or task.pop("external_id", None)
    metadata = task.pop("metadata", None)
    metadata = dict(metadata) if isinstance(metadata, dict) else {}
    metadata.update(task)
    if data.get("id") is not None:
        metadata.setdefault("label_studio_task_id", data["id"])
    out["id"] = external if external is not None else data.get("id")
    out["metadata"] = metadata
    return out


def _from_csv(row: dict) -> dict:
    out: dict[str, Any] = {}
    for key in CSV_FIELDS:
        value = row.get(key)
        if value is not None and value.strip() != "":
            out[key] = value
    if "prompt" in out:
        out["messages"] = [{"role": "user", "content": out.pop("prompt")}]
    out["metadata"] = {k: v for k, v in row.items() if k not in CSV_FIELDS and v not in ("",)}
    return out


def _mapper(fmt: str) -> Callable[[Any], Any]:
    if fmt == "csv":
        return _from_csv
    if fmt == "labelstudio":
        return _from_label_studio
    if fmt == "chat":
        return _from_chat

    def auto(data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if "messages" not in data and isinstance(data.get("data"), dict):
            return _from_label_studio(data)
        if "answer" not in data:
            return _from_chat(data)
        return data

    return auto


def _records_of(
    source: Any, fmt: str | None, name: str | None, progress
) -> Iterator[tuple[str, str, ErrorCollector, Iterator[Record]]]:
    """Yields once: (display name, format, error collector, records)."""
    if isinstance(source, list | tuple):
        errors = ErrorCollector(file=name or "request body")
        records = (Record(i + 1, item) for i, item in enumerate(source))
        yield errors.file or "", fmt or "json", errors, records
        return
    on_read = progress.update if progress is not None else None
    with open_source(source, name=name, on_read=on_read) as src:
        container = detect_format(src.name, peek(src.stream))
        if fmt in ("jsonl", "json", "csv"):
            container = fmt
        elif container not in ("jsonl", "json", "csv"):
            raise DomainError(
                f"cannot tell the format of {src.name}: name it as one of {', '.join(FORMATS)}",
                field="format",
                file=src.name,
                code="format",
            )
        errors = ErrorCollector(file=src.name)
        yield (
            src.name,
            fmt or container,
            errors,
            iter_records(src.stream, fmt=container, errors=errors),
        )
