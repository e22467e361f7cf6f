"""Comparison samples coming in: `{"id", "messages", "responses": [...], "specialty", "metadata"}`.

Reached through `curation.intake.services.samples_import` (the command, the REST endpoint) when the
project is of kind comparison, so the doors and rules are those of every import: line-numbered
errors, nothing written unless the whole file is valid, an unchanged file changes nothing, and
every response is screened for identifying data (a finding quarantines the sample).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.errors import DomainError
from core.ingest import ErrorCollector, check_field_sizes
from curation.intake.formats import _records_of
from curation.intake.sensitive import sample_findings
from curation.intake.validation import _canonical, _has_nul, _Validator
from curation.intake.writer import ImportResult
from curation.models import Comparison, Project, Sample, SampleResponse
from curation.models.comparison import TIE

MIN_RESPONSES, MAX_RESPONSES = 2, 4
FIELDS = {"id", "messages", "responses", "specialty", "metadata"}
RESPONSE_FIELDS = {"id", "model", "reasoning", "content"}


class _ComparisonValidator(_Validator):
    """One comparison record to the rows to write, or what is wrong with it."""

    def __call__(self, data: Any, line: int, size: int = 0) -> dict | None:
        if not isinstance(data, dict):
            self.error(f"must be a JSON object, got {type(data).__name__}", None, line, "type")
            return None
        if not check_field_sizes(data, line=line, errors=self.errors, size=size):
            return None
        before = self.errors.total
        for name in sorted(set(data) - FIELDS):
            self.error("is not a field of a comparison sample", name, line, "unknown")
        external_id = data.get("id")
        if isinstance(external_id, int) and not isinstance(external_id, bool):
            external_id = str(external_id)
        if not isinstance(external_id, str) or not external_id.strip():
            self.error(self._expected("a non-empty string", external_id, "id" in data), "id", line)
        elif len(external_id) > 200:
            self.error("must be at most 200 characters", "id", line)
        messages = data.get("messages")
        if messages is None:
            self.error("is required", "messages", line, "required")
        elif not isinstance(messages, list) or not messages:
            self.error(self._expected("a non-empty list of messages", messages), "messages", line)
        else:
            self._check_messages(messages, line)
        metadata = data.get("metadata") or {}
        if not isinstance(metadata, dict):
            self.error(self._expected("an object", metadata), "metadata", line)
        specialty = self._specialty(data.get("specialty"), line)
        responses = self._responses(data.get("responses"), "responses" in data, line)
        if self.errors.total > before:
            return None
        content = _canonical(
            {
                "messages": messages,
                "responses": responses,
                "specialty": specialty[1] if specialty else None,
                "metadata": metadata,
            }
        )
        if _has_nul(content) or "\x00" in external_id:
            self.error("contains a NUL character (\\u0000), which cannot be stored", None, line)
            return None
        findings = [
            f.as_dict() for f in sample_findings(messages=messages, reasoning="", answer="")
        ]
        for index, response in enumerate(responses):
            for f in sample_findings(
                messages=[], reasoning=response["reasoning"], answer=response["content"]
            ):
                name = "content" if f.field == "answer" else f.field
                findings.append({"kind": f.kind, "field": f"responses[{index}].{name}"})
        return {
            "external_id": external_id,
            "messages": messages,
            "specialty_id": specialty[0] if specialty else None,
            "metadata": metadata,
            "content_hash": hashlib.sha256(content).hexdigest(),
            "quarantined": bool(findings),
            "quarantine_reasons": findings,
            "responses": responses,
        }

    def _responses(self, raw: Any, present: bool, line: int) -> list[dict]:
        if raw is None:
            self.error("is required: 2 to 4 responses", "responses", line, "required")
            return []
        if not isinstance(raw, list):
            self.error(
                self._expected("a list of 2 to 4 responses", raw, present), "responses", line
            )
            return []
        if not MIN_RESPONSES <= len(raw) <= MAX_RESPONSES:
            self.error(
                f"must hold {MIN_RESPONSES} to {MAX_RESPONSES} responses, got {len(raw)}",
                "responses",
                line,
                "count",
            )
        out: list[dict] = []
        seen: dict[str, int] = {}
        for index, item in enumerate(raw):
            where = f"responses[{index}]"
            if not isinstance(item, dict):
                self.error(
                    self._expected("an object with id, model and content", item), where, line
                )
                continue
            for name in sorted(set(item) - RESPONSE_FIELDS):
                self.error("is not a field of a response", f"{where}.{name}", line, "unknown")
            key = item.get("id")
            if not isinstance(key, str) or not key.strip():
                self.error(
                    self._expected("a non-empty string", key, "id" in item), f"{where}.id", line
                )
            elif len(key) > 64 or key == TIE:
                self.error(f"must be at most 64 characters and not {TIE!r}", f"{where}.id", line)
            elif key in seen:
                self.error(
                    f"duplicate response id {key!r}: responses[{seen[key]}] has the same id",
                    f"{where}.id",
                    line,
                    "duplicate",
                )
            else:
                seen[key] = index
            model = item.get("model")
            if not isinstance(model, str) or not model.strip() or len(model) > 200:
                self.error(
                    self._expected("a non-empty string of at most 200 characters", model),
                    f"{where}.model",
                    line,
                )
            reasoning = item.get("reasoning") or ""
            if not isinstance(reasoning, str):
                self.error(self._expected("a string", reasoning), f"{where}.reasoning", line)
            content = item.get("content")
            if not isinstance(content, str) or not content.strip():
                self.error(
                    self._expected("a non-empty string", content, "content" in item),
                    f"{where}.content",
                    line,
                )
            out.append({"id": key, "model": model, "reasoning": reasoning, "content": content})
        return out


def _responses_of(sample_id: int, responses: list[dict]) -> list[SampleResponse]:
    return [
        SampleResponse(
            sample_id=sample_id,
            key=r["id"],
            position=i,
            model=r["model"],
            reasoning=r["reasoning"],
            content=r["content"],
        )
        for i, r in enumerate(responses)
    ]


def _sample_of(project: Project, row: dict, now) -> Sample:
    return Sample(
        project=project,
        external_id=row["external_id"],
        messages=row["messages"],
        answer="",
        specialty_id=row["specialty_id"],
        metadata=row["metadata"],
        content_hash=row["content_hash"],
        quarantined=row["quarantined"],
        quarantine_reasons=row["quarantine_reasons"],
        status=Sample.Status.OPEN,
        slots_open=project.overlap,
        created_at=now,
        updated_at=now,
    )


@transaction.atomic
def comparisons_import(
    *,
    project: Project,
    source: Any,
    fmt: str | None = None,
    update: bool = False,
    actor,
    filename: str | None = None,
    progress=None,
) -> ImportResult:
    """Import comparison samples (JSONL or a JSON array); raises DomainError listing problems."""
    if fmt not in (None, "jsonl", "json"):
        raise DomainError(f"comparison samples come as jsonl or json, not {fmt!r}", field="format")
    for name, fmt_used, errors, records in _records_of(source, fmt, filename, progress):
        result = ImportResult(file=name, format=fmt_used)
        rows = _validated(project, errors, records)
        _write(project=project, rows=rows, update=update, actor=actor, result=result)
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


def _validated(project: Project, errors: ErrorCollector, records) -> list[dict]:
    validate = _ComparisonValidator(project, errors)
    seen: dict[str, int] = {}
    rows: list[dict] = []
    for record in records:
        row = validate(record.data, record.line, record.size)
        if row is not None:
            first = seen.get(row["external_id"])
            if first is not None:
                errors.add(
                    f"duplicate id {row['external_id']!r}: line {first} has the same id",
                    field="id",
                    line=record.line,
                    code="duplicate",
                )
            else:
                seen[row["external_id"]] = record.line
                rows.append(row)
        if errors.full:
            break
    errors.raise_if_any()
    return rows


def _write(*, project: Project, rows: list[dict], update: bool, actor, result: ImportResult):
    now = timezone.now()
    existing = {
        external_id: (pk, content_hash)
        for pk, external_id, content_hash in Sample.objects.filter(
            project=project, external_id__in=[r["external_id"] for r in rows]
        ).values_list("id", "external_id", "content_hash")
    }
    judged = set(
        Comparison.objects.filter(sample_id__in=[pk for pk, _ in existing.values()]).values_list(
            "sample_id", flat=True
        )
    )
    new: list[dict] = []
    for row in rows:
        found = existing.get(row["external_id"])
        if found is None:
            new.append(row)
        elif found[1] == row["content_hash"]:
            result.unchanged += 1
        elif update and found[0] not in judged:
            _replace(project=project, pk=found[0], row=row, now=now, actor=actor)
            result.updated += 1
            result.quarantined += row["quarantined"]
        else:
            result.conflicts_total += 1
            if len(result.conflicts) < 1000:
                result.conflicts.append(row["external_id"])
    samples = Sample.objects.bulk_create([_sample_of(project, r, now) for r in new], batch_size=500)
    SampleResponse.objects.bulk_create(
        [
            resp
            for s, r in zip(samples, new, strict=True)
            for resp in _responses_of(s.pk, r["responses"])
        ],
        batch_size=1000,
    )
    result.created += len(new)
    result.quarantined += sum(r["quarantined"] for r in new)


def _replace(*, project: Project, pk: int, row: dict, now, actor) -> None:
    """A changed sample nobody has judged yet: new content and responses."""
    from curation.reviewing.lifecycle import samples_quarantined

    Sample.objects.filter(pk=pk).update(
        messages=row["messages"],
        specialty_id=row["specialty_id"],
        metadata=row["metadata"],
        content_hash=row["content_hash"],
        quarantine_reasons=row["quarantine_reasons"],
        updated_at=now,
    )
    SampleResponse.objects.filter(sample_id=pk).delete()
    SampleResponse.objects.bulk_create(_responses_of(pk, row["responses"]))
    if row["quarantined"]:
        samples_quarantined(sample_ids=[pk], actor=actor)
