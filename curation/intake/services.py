"""Sample import, and redacting quarantined samples (release is `reviewing.lifecycle`).

`samples_import` is the one way samples come in: the `import_samples` command, the REST endpoint
and the demo seed all call it. It streams the file once, validating every record; rows are written
in batches inside one transaction, so an invalid file (up to 50 errors are reported) leaves
nothing behind. On PostgreSQL new rows go in with COPY; elsewhere with bulk_create.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from typing import IO

from django.conf import settings
from django.db import transaction

from annotators.models import Specialty
from core.audit import audit_record
from core.errors import DomainError
from curation.intake.formats import FORMATS, _mapper, _records_of
from curation.intake.sensitive import redact_text, sample_findings
from curation.intake.validation import _SeenIds, _Validator, sample_content_hash
from curation.intake.writer import ImportResult, _Importer
from curation.models import Project, Sample
from curation.reviewing.lifecycle import samples_quarantined


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
    answer_optional: bool = False,
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
    if project.is_comparison:
        from curation.comparisons.intake import comparisons_import

        return comparisons_import(
            project=project,
            source=source,
            fmt=fmt,
            update=update,
            actor=actor,
            filename=filename,
            progress=progress,
        )
    batch_size = int(settings.IMPORT_BATCH_SIZE)
    for name, fmt_used, errors, records in _records_of(source, fmt, filename, progress):
        result = ImportResult(file=name, format=fmt_used)
        importer = _Importer(project=project, update=update, actor=actor, result=result)
        validate = _Validator(project, errors)
        validate.answer_optional = answer_optional
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
    findings = sample_findings(
        messages=messages,
        reasoning=reasoning,
        answer=answer,
        metadata=sample.metadata,
        external_id=sample.external_id,
        images=sample.images,
    )
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
    if sample.quarantined:
        samples_quarantined(sample_ids=[sample.pk], actor=actor)
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
