"""Criterion grades in an imported reviews file: one line per response and grader.

    {"sample_id": "s-001", "grader": {"model": "judge@2025-05"},
     "criteria": [{"criterion": 0, "met": true, "explanation": "..."},
                  {"criterion": "Advises calling emergency services.", "criteria_met": false}]}

`grader` is {"model": "name@version"} (a registered model grader) or {"physician": "e-mail"}; a
criterion is named by its position in the sample (0-based) or by its exact text. Lines are
checked and written by the review import, in its one transaction.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from annotators.models import Physician
from core.errors import DomainError
from core.ingest import ErrorCollector
from curation.criteria.services import (
    criterion_grade_record,
    model_grader_parse,
    model_grader_register,
)
from curation.models import ModelGrader, Project, Review, Sample, SampleCriterion
from curation.reviewing.reviews import review_record

FIELDS = ("sample_id", "grader", "criteria", "submitted_at", "external_ref", "id")


REVIEW_FIELDS = (
    "sample_id",
    "grader",
    "grades",
    "verdict",
    "correction",
    "corrected_answer",
    "rationale",
    "submitted_at",
    "flags",
    "external_ref",
    "id",
)


def is_criteria_line(data: Any) -> bool:
    """A line of criterion grades, or a model grader's review on the project rubric."""
    return isinstance(data, dict) and ("grader" in data or "criteria" in data)


class CriteriaGradeImporter:
    """Checks and records the criterion grades of one line; counts outcomes like reviews."""

    def __init__(self, *, project: Project, actor, errors: ErrorCollector) -> None:
        self.project = project
        self.actor = actor
        self.errors = errors
        self.graders: dict[str, Any] = {}
        self.seen: dict[tuple[str, str], int] = {}

    def _error(self, message: str, field: str | None, line: int, code: str = "invalid") -> None:
        self.errors.add(message, field=field, line=line, code=code)

    def _grader(self, value: Any, line: int) -> dict | None:
        if not isinstance(value, dict) or len(value) != 1 or set(value) - {"model", "physician"}:
            self._error(
                'must be {"model": "name@version"} or {"physician": "e-mail"}', "grader", line
            )
            return None
        kind, name = next(iter(value.items()))
        key = f"{kind}:{name}"
        if key not in self.graders:
            found = None
            if kind == "model":
                try:
                    model, version = model_grader_parse(name)
                except DomainError as exc:
                    self._error(exc.message, "grader.model", line)
                    return None
                found = ModelGrader.objects.filter(
                    name=model, version=version, is_active=True
                ).first()
                if found is None:
                    self._error(
                        f"no model grader {name!r}: register it first "
                        "(manage.py register_model_grader NAME@VERSION)",
                        "grader.model",
                        line,
                        "not_found",
                    )
                    return None
                self.graders[key] = {"model_grader": found}
            else:
                user = (
                    get_user_model()
                    .objects.filter(email__iexact=str(name).strip(), physician__isnull=False)
                    .first()
                )
                if user is None or not Physician.objects.filter(user=user).exists():
                    self._error(
                        f"no physician with e-mail {name!r}", "grader.physician", line, "not_found"
                    )
                    return None
                self.graders[key] = {"physician": user}
        return self.graders[key]

    def model_review(self, data: dict, line: int, *, submitted_at=None) -> list[str]:
        """A model grader's review on the project rubric (grades and verdict, no `criteria`):
        recorded under the grader's own account with `is_model` set, so it never counts as a
        physician's review."""
        before = self.errors.total
        for name in data:
            if name not in REVIEW_FIELDS:
                self._error(
                    "is not a field of a model grader's review (expected "
                    + ", ".join(REVIEW_FIELDS)
                    + ")",
                    name,
                    line,
                    "unknown",
                )
        for name in ("sample_id", "grades", "verdict"):
            if data.get(name) in (None, ""):
                self._error("is required", name, line, "required")
        grader = self._grader(data.get("grader"), line)
        if grader is not None and "model_grader" not in grader:
            self._error('a physician\'s review names "physician", not "grader"', "grader", line)
        if self.errors.total > before:
            return []
        sample = Sample.objects.filter(
            project=self.project, external_id=str(data["sample_id"])
        ).first()
        if sample is None:
            self._error(
                f"no sample {data['sample_id']!r} in project {self.project.slug}",
                "sample_id",
                line,
                "not_found",
            )
            return []
        model = grader["model_grader"]
        key = (sample.external_id, f"review:{model.pk}")
        if key in self.seen:
            self._error(
                f"duplicates line {self.seen[key]}: one review per grader and sample",
                "sample_id",
                line,
                "duplicate",
            )
            return []
        self.seen[key] = line
        if model.user_id is None:
            model = model_grader_register(name=model.name, version=model.version, actor=self.actor)
        text = lambda v: v if isinstance(v, str) else ""  # noqa: E731
        try:
            outcome = review_record(
                sample=sample,
                reviewer=model.user,
                grades=data["grades"],
                verdict=data["verdict"],
                corrected_answer=text(data.get("correction") or data.get("corrected_answer")),
                rationale=text(data.get("rationale")),
                flags=data.get("flags"),
                submitted_at=submitted_at,
                source=Review.Source.IMPORT,
                external_ref=str(data.get("external_ref") or data.get("id") or ""),
                is_model=True,
                actor=self.actor,
                line=line,
                file=self.errors.file,
            ).outcome
        except DomainError as exc:
            for d in exc.details:
                self._error(d.message, d.field, d.line or line, d.code)
            return []
        return [outcome]

    def __call__(self, data: dict, line: int, *, grader: dict | None = None) -> list[str]:
        """The outcomes ('created', 'amended', 'unchanged') of the line's grades.

        grader: {"model_grader": ...} or {"physician": user} when the caller is known (REST);
        otherwise the line's `grader` field names it."""
        before = self.errors.total
        for name in data:
            if name not in FIELDS:
                self._error(
                    "is not a field of a criterion-grade line (expected " + ", ".join(FIELDS) + ")",
                    name,
                    line,
                    "unknown",
                )
        if grader is None:
            grader = self._grader(data.get("grader"), line)
        elif "grader" in data:
            self._error("is set by your credentials; leave it out", "grader", line, "unknown")
        sample = Sample.objects.filter(
            project=self.project, external_id=str(data.get("sample_id", ""))
        ).first()
        if sample is None:
            self._error(
                f"no sample {data.get('sample_id')!r} in project {self.project.slug}",
                "sample_id",
                line,
                "not_found",
            )
        items = data.get("criteria")
        if not isinstance(items, list) or not items:
            self._error("must be a non-empty list of criterion grades", "criteria", line)
        if self.errors.total > before:
            return []
        key = (sample.external_id, str(grader))
        if key in self.seen:
            self._error(
                f"duplicates line {self.seen[key]}: one line per grader and sample",
                "sample_id",
                line,
                "duplicate",
            )
            return []
        self.seen[key] = line
        criteria = list(sample.criteria.exclude(status=SampleCriterion.Status.REJECTED))
        by_position = {c.position: c for c in criteria}
        by_text = {c.text: c for c in criteria}
        outcomes = []
        for i, item in enumerate(items):
            field = f"criteria[{i}]"
            if not isinstance(item, dict):
                self._error("must be an object", field, line)
                continue
            ref = item.get("criterion")
            if isinstance(ref, int) and not isinstance(ref, bool):
                criterion = by_position.get(ref)
            else:
                criterion = by_text.get(ref) if isinstance(ref, str) else None
            if criterion is None:
                self._error(
                    f"sample {sample.external_id} has no criterion {ref!r}",
                    f"{field}.criterion",
                    line,
                    "not_found",
                )
                continue
            met = item.get("met", item.get("criteria_met"))
            if not isinstance(met, bool):
                self._error(f"must be true or false, got {met!r}", f"{field}.met", line)
                continue
            explanation = item.get("explanation") or ""
            _, outcome = criterion_grade_record(
                criterion=criterion,
                met=met,
                explanation=explanation if isinstance(explanation, str) else "",
                source="import",
                actor=self.actor,
                **grader,
            )
            outcomes.append(outcome)
        return outcomes


@transaction.atomic
def criterion_grades_post(*, project: Project, data: dict, grader: dict, actor) -> dict:
    """One response's criterion grades from a known grader (REST); all or nothing."""
    errors = ErrorCollector(file="request body")
    importer = CriteriaGradeImporter(project=project, actor=actor, errors=errors)
    outcomes = importer(data, 1, grader=grader)
    errors.raise_if_any()
    return {k: outcomes.count(k) for k in ("created", "amended", "unchanged")}
