"""Writing validated rows: COPY on PostgreSQL, bulk_create elsewhere; updates of changed samples
with their audit rows, counted into the import's result.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import orjson
from django.db import connection, models
from django.utils import timezone

from core.audit import audit_bulk
from core.models import AuditEvent
from curation.models import Project, Sample
from curation.reviewing.lifecycle import samples_quarantined


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
        # A sample that now carries identifiers may be in someone's hands: take it back.
        flagged = [pk for pk, _, row in changed if row["quarantined"]]
        samples_quarantined(sample_ids=flagged, actor=self.actor)


def _actor_label(actor) -> str:
    if actor is None:
        return "system"
    return (getattr(actor, "email", "") or getattr(actor, "username", "") or str(actor))[:200]
