"""Sample import, and releasing or redacting quarantined samples.

`samples_import` is the one way samples come in: the `import_samples` command, the REST endpoint
and the demo seed all call it. It streams the file once, validating every record; rows are written
in batches inside one transaction, so an invalid file (up to 50 errors are reported) leaves
nothing behind. On PostgreSQL new rows go in with COPY; elsewhere with bulk_create.
"""

from __future__ import annotations

import gc
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from typing import IO, Any

import numpy as np
import orjson
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from annotators.models import Specialty
from core import jsonsafe
from core.audit import audit_bulk, audit_record
from core.errors import DomainError
from core.ingest import (
    ErrorCollector,
    Record,
    check_field_sizes,
    detect_format,
    iter_records,
    open_source,
    peek,
)
from core.models import AuditEvent
from curation.grading import grades_validate
from curation.models import Project, Sample
from curation.sensitive import redact_text, sample_findings

FORMATS = ("jsonl", "json", "csv", "labelstudio", "chat")
ROLES = ("system", "user", "assistant")
NATIVE_FIELDS = ("id", "messages", "reasoning", "answer", "specialty", "metadata", "images", "gold")
CSV_FIELDS = ("id", "prompt", "reasoning", "answer", "specialty")
LABEL_STUDIO_PROMPT_KEYS = ("messages", "prompt", "question")


@dataclass
class ImportResult:
    file: str = ""
    format: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    conflicts: list[str] = field(default_factory=list)  # external ids, the first 1,000
    conflicts_total: int = 0

    def summary(self) -> str:
        text = (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.quarantined} quarantined"
        )
        if self.conflicts_total:
            text += (
                f", {self.conflicts_total} conflicts (changed samples left as they were; "
                "import with update to replace them)"
            )
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
            "conflicts": self.conflicts,
            "conflicts_total": self.conflicts_total,
            "summary": self.summary(),
        }


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


# --- validating one record --------------------------------------------------------------------


def _canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _content_json(
    *,
    messages: list,
    reasoning: str,
    answer: str,
    images: list,
    specialty: str | None,
    metadata: dict,
    gold: dict | None = None,
) -> str:
    content: dict[str, Any] = {
        "messages": messages,
        "reasoning": reasoning,
        "answer": answer,
        "images": images,
        "specialty": specialty,
        "metadata": metadata,
    }
    if gold is not None:
        content["gold"] = gold
    return _canonical(content)


def sample_content_hash(**content: Any) -> str:
    """sha256 of the canonical JSON of a sample's content; equal content, equal hash.

    Keywords: messages, reasoning, answer, images, specialty (code), metadata, gold.
    """
    return hashlib.sha256(_content_json(**content)).hexdigest()


# A NUL character in canonical JSON: "\u0000" not preceded by an escaping backslash.
_NUL_IN_JSON = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _has_nul(canonical: bytes) -> bool:
    return b"\\u0000" in canonical and _NUL_IN_JSON.search(canonical) is not None


class _Validator:
    """Turns one mapped record into the row to write, or reports what is wrong with it."""

    def __init__(self, project: Project, errors: ErrorCollector) -> None:
        self.errors = errors
        self.criteria = list(project.rubric.criteria.all())
        self.specialties: dict[str, tuple[int, str]] = {}
        for pk, code, name in Specialty.objects.values_list("id", "code", "name"):
            self.specialties[code.lower()] = (pk, code)
            self.specialties[name.lower()] = (pk, code)

    def error(self, message: str, field: str | None, line: int, code: str = "invalid") -> None:
        self.errors.add(message, field=field, line=line, code=code)

    def __call__(self, data: Any, line: int, size: int = 0) -> dict | None:  # noqa: C901
        if not isinstance(data, dict):
            self.error(f"must be a JSON object, got {type(data).__name__}", None, line, "type")
            return None
        if not check_field_sizes(data, line=line, errors=self.errors, size=size):
            return None
        if not jsonsafe.check_record(data, line=line, errors=self.errors):
            return None
        before = self.errors.total
        external_id = data.get("id")
        if isinstance(external_id, int) and not isinstance(external_id, bool):
            external_id = str(external_id)
        messages = data.get("messages")
        answer = data.get("answer")
        reasoning = data.get("reasoning", "")
        metadata = data.get("metadata", {})
        images = data.get("images", [])
        gold = data.get("gold")
        if external_id is None and "id" not in data and isinstance(answer, str):
            external_id = None  # derived from the content hash below
        elif not isinstance(external_id, str) or not external_id.strip():
            self.error(self._expected("a non-empty string", external_id, "id" in data), "id", line)
        elif len(external_id) > 200:
            self.error("must be at most 200 characters", "id", line)
        if messages is None:
            self.error("is required", "messages", line, "required")
        elif not isinstance(messages, list) or not messages:
            self.error(self._expected("a non-empty list of messages", messages), "messages", line)
        else:
            self._check_messages(messages, line)
        if answer is None:
            self.error("is required", "answer", line, "required")
        elif not isinstance(answer, str) or not answer.strip():
            self.error(self._expected("a non-empty string", answer), "answer", line)
        if reasoning is None:
            reasoning = ""
        if not isinstance(reasoning, str):
            self.error(self._expected("a string", reasoning), "reasoning", line)
        if metadata is None:
            metadata = {}
        if not isinstance(metadata, dict):
            self.error(self._expected("an object", metadata), "metadata", line)
        if images is None:
            images = []
        if not isinstance(images, list) or not all(isinstance(i, str) for i in images):
            self.error(self._expected("a list of strings (URLs or paths)", images), "images", line)
        specialty = self._specialty(data.get("specialty"), line)
        grades = None
        if gold is not None:
            grades, problems = grades_validate(self.criteria, gold, line=line)
            for p in problems:
                name = p.field.replace("grades", "gold", 1) if p.field else "gold"
                self.error(p.message, name, line, p.code)
        if self.errors.total > before:
            return None
        extras = {k: v for k, v in data.items() if k not in NATIVE_FIELDS}
        if extras:
            metadata = {**extras, **metadata}
        content = _content_json(
            messages=messages,
            reasoning=reasoning,
            answer=answer,
            images=images,
            specialty=specialty[1] if specialty else None,
            metadata=metadata,
            gold=grades,
        )
        if _has_nul(content) or (external_id is not None and "\x00" in external_id):
            self.error("contains a NUL character (\\u0000), which cannot be stored", None, line)
            return None
        content_hash = hashlib.sha256(content).hexdigest()
        if external_id is None:
            external_id = f"sha256-{content_hash[:20]}"
        findings = sample_findings(messages=messages, reasoning=reasoning, answer=answer)
        return {
            "external_id": external_id,
            "messages": messages,
            "reasoning": reasoning,
            "answer": answer,
            "images": images,
            "specialty_id": specialty[0] if specialty else None,
            "metadata": metadata,
            "content_hash": content_hash,
            "is_gold": grades is not None,
            "gold_grades": grades,
            "quarantined": bool(findings),
            "quarantine_reasons": [f.as_dict() for f in findings],
        }

    @staticmethod
    def _expected(what: str, value: Any, present: bool = True) -> str:
        if not present:
            return "is required"
        kind = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
            type(value), type(value).__name__
        )
        if value is None:
            kind = "null"
        elif isinstance(value, str | list) and not value:
            kind = "empty"
        return f"must be {what}, got {kind}"

    def _check_messages(self, messages: list, line: int) -> None:
        for index, message in enumerate(messages):
            where = f"messages[{index}]"
            if not isinstance(message, dict):
                self.error(self._expected("an object with role and content", message), where, line)
                continue
            role = message.get("role")
            if role not in ROLES:
                self.error(
                    f"must be one of system, user, assistant, got {role!r}", f"{where}.role", line
                )
            if not isinstance(message.get("content"), str):
                self.error(
                    self._expected("a string", message.get("content"), "content" in message),
                    f"{where}.content",
                    line,
                )

    def _specialty(self, value: Any, line: int) -> tuple[int, str] | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            self.error(self._expected("a specialty code or name", value), "specialty", line)
            return None
        found = self.specialties.get(value.strip().lower())
        if found is None:
            self.error(
                f"unknown specialty {value!r}: use a code or name from the specialty list "
                "(e.g. cardiology), or ask an admin to add it",
                "specialty",
                line,
                "unknown",
            )
        return found


class _SeenIds:
    """Ids already met in this file, in ~12 bytes an id (a 64-bit hash and a line number)."""

    def __init__(self) -> None:
        self.recent: dict[int, int] = {}
        self.hashes = np.empty(0, dtype=np.int64)
        self.lines = np.empty(0, dtype=np.int64)

    def first_line(self, external_id: str) -> int | None:
        h = hash(external_id)
        if h in self.recent:
            return self.recent[h]
        if self.hashes.size:
            i = int(np.searchsorted(self.hashes, h))
            if i < self.hashes.size and self.hashes[i] == h:
                return int(self.lines[i])
        return None

    def add(self, external_id: str, line: int) -> None:
        self.recent[hash(external_id)] = line
        if len(self.recent) >= 100_000:
            hashes = np.concatenate([self.hashes, np.fromiter(self.recent.keys(), np.int64)])
            lines = np.concatenate([self.lines, np.fromiter(self.recent.values(), np.int64)])
            order = np.argsort(hashes, kind="stable")
            self.hashes, self.lines = hashes[order], lines[order]
            self.recent = {}


# --- writing ------------------------------------------------------------------------------------

_SET_ON_IMPORT = (
    "project",
    "external_id",
    "messages",
    "reasoning",
    "answer",
    "images",
    "specialty",
    "metadata",
    "content_hash",
    "is_gold",
    "gold_grades",
    "quarantined",
    "quarantine_reasons",
    "status",
    "slots_open",
    "created_at",
    "updated_at",
)
_CONTENT_FIELDS = _SET_ON_IMPORT[2:13]


class _Writer:
    """Inserts new samples: COPY on PostgreSQL, bulk_create elsewhere."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.now = timezone.now()
        self.copy = connection.vendor == "postgresql"
        self.columns: list[str] = []
        self.constants: dict[str, Any] = {}
        for f in Sample._meta.concrete_fields:
            if f.primary_key:
                continue
            if f.name not in _SET_ON_IMPORT:
                if f.has_db_default():
                    continue
                value = f.get_default()
                if isinstance(f, models.JSONField) and value is not None:
                    value = orjson.dumps(value).decode()
                self.constants[f.column] = value
            self.columns.append(f.column)

        self._copy = None  # a COPY held open for the whole import (see open_stream)
        dumps = orjson.dumps
        overlap, project_id, now = project.overlap, project.pk, self.now
        getters: dict[str, Callable[[dict], Any]] = {
            "project_id": lambda row: project_id,
            "external_id": itemgetter("external_id"),
            "messages": lambda row: dumps(row["messages"]).decode(),
            "reasoning": itemgetter("reasoning"),
            "answer": itemgetter("answer"),
            "images": lambda row: dumps(row["images"]).decode(),
            "specialty_id": itemgetter("specialty_id"),
            "metadata": lambda row: dumps(row["metadata"]).decode(),
            "content_hash": itemgetter("content_hash"),
            "is_gold": itemgetter("is_gold"),
            "gold_grades": lambda row: (
                None if row["gold_grades"] is None else dumps(row["gold_grades"]).decode()
            ),
            "quarantined": itemgetter("quarantined"),
            "quarantine_reasons": lambda row: dumps(row["quarantine_reasons"]).decode(),
            "status": lambda row: Sample.Status.OPEN.value,
            "slots_open": lambda row: overlap,
            "created_at": lambda row: now,
            "updated_at": lambda row: now,
        }
        self._getters = [
            getters[c] if c in getters else (lambda row, v=self.constants[c]: v)
            for c in self.columns
        ]

    def _copy_sql(self) -> str:
        table = connection.ops.quote_name(Sample._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        return f"COPY {table} ({cols}) FROM STDIN"  # noqa: S608 - names from model metadata

    @property
    def streaming(self) -> bool:
        return self._copy is not None

    def open_stream(self, stack: ExitStack) -> None:
        """Keep one COPY open for every insert of this import (PostgreSQL, nothing to look up).

        A writer thread sends the rows, so PostgreSQL stores them while Python parses the next.
        """
        from psycopg.copy import QueuedLibpqWriter

        cursor = stack.enter_context(connection.cursor())
        raw = cursor.cursor
        self._copy = stack.enter_context(raw.copy(self._copy_sql(), writer=QueuedLibpqWriter(raw)))

    def insert(self, rows: list[dict]) -> None:
        if not rows:
            return
        getters = self._getters
        if self._copy is not None:
            write = self._copy.write_row
            for row in rows:
                write(tuple([get(row) for get in getters]))
            return
        if self.copy:
            with connection.cursor() as cursor, cursor.copy(self._copy_sql()) as copy:
                for row in rows:
                    copy.write_row(tuple([get(row) for get in getters]))
            return
        Sample.objects.bulk_create(
            [
                Sample(
                    project=self.project,
                    status=Sample.Status.OPEN,
                    slots_open=self.project.overlap,
                    **row,
                )
                for row in rows
            ],
            batch_size=500,
        )


class _Importer:
    def __init__(self, *, project: Project, update: bool, actor, result: ImportResult) -> None:
        self.project = project
        self.update = update
        self.actor = actor
        self.result = result
        self.writer = _Writer(project)

    def flush(self, rows: list[dict]) -> None:
        if self.writer.streaming:
            # The project had no samples and ids are unique in the file: every row is new.
            self.writer.insert(rows)
            self.result.created += len(rows)
            self.result.quarantined += sum(row["quarantined"] for row in rows)
            return
        ids = [row["external_id"] for row in rows]
        existing = {
            external_id: (pk, content_hash)
            for pk, external_id, content_hash in Sample.objects.filter(
                project=self.project, external_id__in=ids
            ).values_list("id", "external_id", "content_hash")
        }
        new: list[dict] = []
        changed: list[tuple[int, str, dict]] = []
        for row in rows:
            found = existing.get(row["external_id"])
            if found is None:
                new.append(row)
            elif found[1] == row["content_hash"]:
                self.result.unchanged += 1
            elif self.update:
                changed.append((found[0], found[1], row))
            else:
                self.result.conflicts_total += 1
                if len(self.result.conflicts) < 1000:
                    self.result.conflicts.append(row["external_id"])
        self.writer.insert(new)
        self.result.created += len(new)
        self.result.quarantined += sum(row["quarantined"] for row in new)
        if changed:
            self._update(changed)

    def _update(self, changed: list[tuple[int, str, dict]]) -> None:
        samples = []
        events = []
        for pk, old_hash, row in changed:
            sample = Sample(pk=pk, project=self.project, updated_at=self.writer.now)
            for name in _CONTENT_FIELDS:
                key = "specialty_id" if name == "specialty" else name
                setattr(sample, key, row[key])
            samples.append(sample)
            events.append(
                AuditEvent(
                    actor=self.actor if getattr(self.actor, "pk", None) else None,
                    actor_label=_actor_label(self.actor),
                    action="sample.update",
                    object_type=Sample._meta.label_lower,
                    object_id=str(pk),
                    object_repr=f"{self.project.slug}/{row['external_id']}"[:300],
                    before={"content_hash": old_hash},
                    after={"content_hash": row["content_hash"], "source": "import"},
                )
            )
        fields = [*_CONTENT_FIELDS, "updated_at"]
        Sample.objects.bulk_update(samples, fields, batch_size=500)
        audit_bulk(events)
        self.result.updated += len(samples)
        self.result.quarantined += sum(row["quarantined"] for _, _, row in changed)


def _actor_label(actor) -> str:
    if actor is None:
        return "system"
    return (getattr(actor, "email", "") or getattr(actor, "username", "") or str(actor))[:200]


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Pause the cycle collector while rows stream: they hold no cycles, and refcounting frees
    them; collecting a million short-lived dicts otherwise costs about a tenth of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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


@transaction.atomic
def samples_import(
    *,
    project: Project,
    source: str | bytes | IO | list,
    fmt: str | None = None,
    update: bool = False,
    actor,
    filename: str | None = None,
    progress=None,
) -> ImportResult:
    """Import samples into `project` from a file, a file-like object, bytes, or a list of dicts.

    fmt: jsonl | json | csv | labelstudio | chat, or None to detect it. Raises DomainError listing
    up to 50 problems (file, line, field) and writes nothing unless the whole input is valid.
    progress: anything with `update(n_bytes)` (a tqdm bar).
    """
    if fmt is not None and fmt not in FORMATS:
        raise DomainError(
            f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}", field="format"
        )
    project = Project.objects.select_for_update().select_related("rubric").get(pk=project.pk)
    batch_size = int(getattr(settings, "IMPORT_BATCH_SIZE", 2000))
    for name, fmt_used, errors, records in _records_of(source, fmt, filename, progress):
        result = ImportResult(file=name, format=fmt_used)
        importer = _Importer(project=project, update=update, actor=actor, result=result)
        validate = _Validator(project, errors)
        mapper = _mapper("csv" if fmt_used == "csv" else fmt_used)
        seen = _SeenIds()
        batch: list[dict] = []
        with ExitStack() as stack:
            if importer.writer.copy and not Sample.objects.filter(project=project).exists():
                importer.writer.open_stream(stack)
            stack.enter_context(_without_cyclic_gc())
            for record in records:
                row = validate(mapper(record.data), record.line, record.size)
                if row is not None:
                    first = seen.first_line(row["external_id"])
                    if first is not None:
                        errors.add(
                            f"duplicate id {row['external_id']!r}: line {first} has the same id",
                            field="id",
                            line=record.line,
                            code="duplicate",
                        )
                        row = None
                    else:
                        seen.add(row["external_id"], record.line)
                if errors.full:
                    break
                if row is None or errors:
                    batch = []
                    continue
                batch.append(row)
                if len(batch) >= batch_size:
                    importer.flush(batch)
                    batch = []
            errors.raise_if_any()
            if batch:
                importer.flush(batch)
        if not (result.created or result.updated or result.unchanged or result.conflicts_total):
            raise DomainError("has no samples", file=name, code="empty")
        audit_record(
            actor=actor,
            action="samples.import",
            obj=project,
            after={k: v for k, v in result.as_dict().items() if k != "conflicts"},
        )
        return result
    raise AssertionError("unreachable")


# --- quarantine -------------------------------------------------------------------------------


@transaction.atomic
def sample_release(*, sample: Sample, actor, note: str) -> Sample:
    """Lets a quarantined sample be served and exported; the reasons stay in the audit log."""
    note = (note or "").strip()
    if not note:
        raise DomainError("is required: say why the sample is safe to release", field="note")
    sample = Sample.objects.select_for_update().get(pk=sample.pk)
    if not sample.quarantined:
        return sample  # already released: a retry changes nothing
    reasons = sample.quarantine_reasons
    Sample.objects.filter(pk=sample.pk).update(quarantined=False, updated_at=timezone.now())
    audit_record(
        actor=actor,
        action="sample.release",
        obj=sample,
        before={"quarantined": True, "quarantine_reasons": reasons},
        after={"quarantined": False, "note": note},
    )
    sample.refresh_from_db()
    return sample


def _replace_all(text: str, replacements: Iterable[tuple[str, str]], used: list[int]) -> str:
    for index, (old, new) in enumerate(replacements):
        count = text.count(old)
        if count:
            used[index] += count
            text = text.replace(old, new)
    return text


@transaction.atomic
def sample_redact(*, sample: Sample, actor, replacements: dict[str, str] | None = None) -> Sample:
    """Replaces identifying text in a sample's conversation, reasoning and answer.

    replacements: exact text -> its replacement; None redacts everything the guard detects. The
    sample is scanned again: it leaves quarantine only if nothing is found any more. The audit
    event records counts and hashes, never the removed text.
    """
    sample = Sample.objects.select_for_update().get(pk=sample.pk)
    pairs = [(old, new) for old, new in (replacements or {}).items()]
    for index, (old, new) in enumerate(pairs):
        if not isinstance(old, str) or not old or not isinstance(new, str):
            raise DomainError(
                "each replacement must map non-empty text to a string",
                field=f"replacements[{index}]",
            )
    used = [0] * len(pairs)
    automatic = 0

    def clean(text: str) -> str:
        nonlocal automatic
        if replacements is None:
            text, n = redact_text(text)
            automatic += n
            return text
        return _replace_all(text, pairs, used)

    messages = [
        {**m, "content": clean(m["content"])} if isinstance(m.get("content"), str) else m
        for m in sample.messages
    ]
    reasoning = clean(sample.reasoning)
    answer = clean(sample.answer)
    missing = [i for i, n in enumerate(used) if n == 0]
    if missing:
        raise DomainError(
            f"replacement #{missing[0] + 1} was not found in the sample's text",
            field=f"replacements[{missing[0]}]",
        )
    findings = sample_findings(messages=messages, reasoning=reasoning, answer=answer)
    before = {
        "content_hash": sample.content_hash,
        "quarantined": sample.quarantined,
        "quarantine_reasons": sample.quarantine_reasons,
    }
    sample.messages, sample.reasoning, sample.answer = messages, reasoning, answer
    sample.content_hash = sample_content_hash(
        messages=messages,
        reasoning=reasoning,
        answer=answer,
        images=sample.images,
        specialty=Specialty.objects.get(pk=sample.specialty_id).code
        if sample.specialty_id
        else None,
        metadata=sample.metadata,
        gold=sample.gold_grades,
    )
    sample.quarantined = bool(findings)
    sample.quarantine_reasons = [f.as_dict() for f in findings]
    sample.save(
        update_fields=[
            "messages",
            "reasoning",
            "answer",
            "content_hash",
            "quarantined",
            "quarantine_reasons",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="sample.redact",
        obj=sample,
        before=before,
        after={
            "content_hash": sample.content_hash,
            "quarantined": sample.quarantined,
            "quarantine_reasons": sample.quarantine_reasons,
            "replaced": automatic if replacements is None else sum(used),
        },
    )
    return sample
