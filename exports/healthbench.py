"""Sample criteria out: HealthBench's example lines, and every criterion grade (`rubric_grades`).

`healthbench` writes one example a line exactly as HealthBench's harness reads them (prompt,
rubrics, example_tags, prompt_id, ideal_completions_data, and any other key the example came
with), with the validated criteria of each sample; `rubric_grades` writes one line per response,
criterion and grader, physician or model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
from django.db.models import Prefetch

from curation.criteria.healthbench import META_KEY
from curation.models import CriterionGrade, Project, Sample, SampleCriterion

KINDS = ("healthbench", "rubric_grades")


def healthbench_line(sample: Sample, criteria: list[SampleCriterion]) -> dict:
    """One HealthBench example of a sample and its kept criteria, in order."""
    meta = (sample.metadata or {}).get(META_KEY) or {}
    line: dict[str, Any] = {
        "prompt": sample.messages,
        "rubrics": [
            {"criterion": c.text, "points": c.points, "tags": c.all_tags} for c in criteria
        ],
    }
    if meta.get("has_example_tags", True):
        line["example_tags"] = meta.get("example_tags", [])
    line["prompt_id"] = sample.external_id
    if meta.get("has_ideal_completions_data", True):
        ideal = meta.get("ideal_completions_data")
        if ideal is None and not meta and sample.answer:
            ideal = {"ideal_completion": sample.answer}
        line["ideal_completions_data"] = ideal
    line.update(meta.get("extra") or {})
    return line


def healthbench_rows(project: Project) -> Iterator[dict]:
    """Every sample of the project with a validated criterion, as a HealthBench example."""
    kept = SampleCriterion.objects.filter(status=SampleCriterion.Status.VALIDATED).order_by(
        "position"
    )
    samples = (
        Sample.objects.filter(
            project=project,
            quarantined=False,
            criteria__status=SampleCriterion.Status.VALIDATED,
        )
        .distinct()
        .order_by("id")
        .prefetch_related(Prefetch("criteria", queryset=kept, to_attr="kept"))
    )
    for sample in samples.iterator(chunk_size=500):
        yield healthbench_line(sample, sample.kept)


def rubric_grade_rows(project: Project) -> Iterator[dict]:
    """One row per response, criterion and grader (physician or model)."""
    grades = (
        CriterionGrade.objects.filter(criterion__sample__project=project)
        .select_related("criterion__sample", "physician", "model_grader")
        .order_by("criterion__sample_id", "criterion__position", "id")
    )
    for g in grades.iterator(chunk_size=2000):
        c = g.criterion
        if g.model_grader_id:
            grader = {"model": str(g.model_grader)}
        else:
            grader = {"physician": g.physician.email or g.physician.username}
        yield {
            "prompt_id": c.sample.external_id,
            "completion": c.sample.answer,
            "criterion_position": c.position,
            "criterion": c.text,
            "points": c.points,
            "tags": c.all_tags,
            "criterion_status": c.status,
            "grader": grader,
            "criteria_met": g.met,
            "explanation": g.explanation,
        }


def rows_of(kind: str, project: Project) -> Iterator[dict]:
    return healthbench_rows(project) if kind == "healthbench" else rubric_grade_rows(project)


def jsonl_write(rows: Iterable[dict], out: Path) -> tuple[int, str]:
    """Writes rows as JSON Lines; returns (row count, sha256 of the file)."""
    digest = hashlib.sha256()
    count = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as fh:
        for row in rows:
            data = orjson.dumps(row) + b"\n"
            digest.update(data)
            fh.write(data)
            count += 1
    return count, digest.hexdigest()
