"""HealthBench's example format in and out.

One example a line:

    {"prompt": [{"role": "user", "content": "..."}],
     "rubrics": [{"criterion": "...", "points": 7, "tags": ["level:example", "axis:accuracy"]}],
     "example_tags": ["theme:emergency_referrals"], "prompt_id": "...",
     "ideal_completions_data": null}

An example becomes a sample (`prompt_id` its id, `prompt` its conversation, the ideal completion,
if any, its answer) and each rubric item a validated sample criterion; `example_tags`,
`ideal_completions_data` and any other key are kept in the sample's metadata, so the export
writes every field back. The import is all or nothing (errors name their line) and idempotent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction

from core.audit import audit_record
from core.errors import DomainError
from core.ingest import ErrorCollector, open_source
from core.records import iter_records
from curation.criteria.services import criteria_import, criterion_fields_check
from curation.intake.services import samples_import
from curation.models import Project, Sample, SampleCriterion

META_KEY = "healthbench"
KNOWN = ("prompt", "rubrics", "example_tags", "prompt_id", "ideal_completions_data")


@dataclass
class HealthBenchImportResult:
    examples: int = 0
    samples_created: int = 0
    criteria_created: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        return (
            f"{self.examples} examples: {self.samples_created} new samples, "
            f"{self.criteria_created} criteria created, {self.unchanged} unchanged."
        )


def _criteria_of(rubrics: Any, *, line: int, errors: ErrorCollector) -> list[dict] | None:
    if not isinstance(rubrics, list) or not rubrics:
        errors.add("must be a non-empty list of rubric items", field="rubrics", line=line)
        return None
    out = []
    for i, item in enumerate(rubrics):
        field = f"rubrics[{i}]"
        if not isinstance(item, dict):
            errors.add("must be an object", field=field, line=line)
            return None
        tags = item.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            errors.add("must be a list of strings", field=f"{field}.tags", line=line)
            return None
        axes = [t.split(":", 1)[1] for t in tags if t.startswith("axis:")]
        levels = [t.split(":", 1)[1] for t in tags if t.startswith("level:")]
        if len(axes) != 1 or len(levels) > 1:
            errors.add(
                "must hold one axis:... tag and at most one level:... tag",
                field=f"{field}.tags",
                line=line,
            )
            return None
        points = item.get("points")
        if isinstance(points, float) and points.is_integer():
            points = int(points)
        try:
            fields = criterion_fields_check(
                text=item.get("criterion"),
                points=points,
                axis=axes[0],
                level=levels[0] if levels else "example",
                tags=[t for t in tags if not t.startswith(("axis:", "level:"))],
                field=field,
            )
        except DomainError as exc:
            errors.add(exc.message, field=exc.field.replace(".text", ".criterion"), line=line)
            return None
        out.append(fields.__dict__)
    return out


def _example(data: Any, *, line: int, errors: ErrorCollector) -> tuple[dict, list[dict]] | None:
    """The native sample record and the criteria of one example; None if it is not valid."""
    if not isinstance(data, dict):
        errors.add("must be a JSON object (one HealthBench example)", line=line)
        return None
    before = errors.total
    for name in ("prompt", "rubrics", "prompt_id"):
        if name not in data:
            errors.add("is required", field=name, line=line, code="required")
    if errors.total > before:
        return None
    prompt_id = data["prompt_id"]
    if not isinstance(prompt_id, str) or not prompt_id.strip():
        errors.add("must be a non-empty string", field="prompt_id", line=line)
    tags = data.get("example_tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        errors.add("must be a list of strings", field="example_tags", line=line)
    ideal = data.get("ideal_completions_data")
    if ideal is not None and not isinstance(ideal, dict):
        errors.add("must be null or an object", field="ideal_completions_data", line=line)
    criteria = _criteria_of(data["rubrics"], line=line, errors=errors)
    if errors.total > before or criteria is None:
        return None
    answer = ideal.get("ideal_completion") if isinstance(ideal, dict) else None
    record = {
        "id": prompt_id,
        "messages": data["prompt"],
        "answer": answer if isinstance(answer, str) else "",
        "metadata": {
            META_KEY: {
                "example_tags": tags,
                "ideal_completions_data": ideal,
                "has_example_tags": "example_tags" in data,
                "has_ideal_completions_data": "ideal_completions_data" in data,
                "extra": {k: v for k, v in data.items() if k not in KNOWN},
            }
        },
    }
    return record, criteria


def _read(stream_records, errors: ErrorCollector) -> Iterator[tuple[int, dict, list[dict]]]:
    for r in stream_records:
        parsed = _example(r.data, line=r.line, errors=errors)
        if parsed is not None:
            yield r.line, parsed[0], parsed[1]
        if errors.full:
            return


def _same(stored: list[SampleCriterion], incoming: list[dict]) -> bool:
    return [(c.text, c.points, c.axis, c.level, c.tags) for c in stored] == [
        (c["text"], c["points"], c["axis"], c["level"], c["tags"]) for c in incoming
    ]


@transaction.atomic
def healthbench_import(
    *, project: Project, source: str | bytes | IO, actor, filename: str | None = None
) -> HealthBenchImportResult:
    """Imports HealthBench examples as samples with validated criteria; all or nothing."""
    result = HealthBenchImportResult()
    with open_source(source, name=filename) as src:
        errors = ErrorCollector(file=src.name)
        examples = list(_read(iter_records(src.stream, fmt="jsonl", errors=errors), errors))
        errors.raise_if_any()
        if not examples:
            raise DomainError("has no examples", file=src.name, code="empty")
        lines = [line for line, _, _ in examples]
        try:
            imported = samples_import(
                project=project,
                source=[record for _, record, _ in examples],
                actor=actor,
                filename=src.name,
                answer_optional=True,
            )
        except DomainError as exc:
            for d in exc.details:
                at = lines[d.line - 1] if d.line and d.line <= len(lines) else d.line
                errors.add(d.message, field=d.field, line=at, code=d.code)
            errors.raise_if_any()
            raise
        for external_id in imported.conflicts[:50]:
            line = lines[[r["id"] for _, r, _ in examples].index(external_id)]
            errors.add(
                "a sample with this prompt_id exists with different content",
                field="prompt_id",
                line=line,
                code="conflict",
            )
        errors.raise_if_any()
        result.examples = len(examples)
        result.samples_created = imported.created
        samples = {
            s.external_id: s
            for s in Sample.objects.filter(
                project=project, external_id__in=[r["id"] for _, r, _ in examples]
            )
        }
        stored: dict[int, list[SampleCriterion]] = defaultdict(list)
        for c in SampleCriterion.objects.filter(sample__in=list(samples.values())).order_by(
            "sample_id", "position"
        ):
            stored[c.sample_id].append(c)
        new: list[tuple[Sample, int, dict]] = []
        for line, record, criteria in examples:
            sample = samples[record["id"]]
            if stored.get(sample.pk):
                if _same(stored[sample.pk], criteria):
                    result.unchanged += 1
                    continue
                errors.add(
                    "its rubrics differ from the criteria Rounds holds for this prompt_id",
                    field="rubrics",
                    line=line,
                    code="conflict",
                )
                continue
            new.extend((sample, position, c) for position, c in enumerate(criteria))
        errors.raise_if_any()
        result.criteria_created = criteria_import(rows=new, actor=actor)
        errors.raise_if_any()
    audit_record(
        actor=actor,
        action="samples.import_healthbench",
        obj=project,
        after=result.__dict__,
    )
    return result
