"""Projects defined in a file (YAML or JSON) and the versioned rubrics they point at.

A lab keeps its project and rubric under version control and loads them with `load_project`.
Loading is validated in full before anything is written, idempotent (an unchanged file changes
nothing) and never rewrites a rubric that already has reviews: a change makes a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

from annotators.models import Cohort
from core.audit import audit_record
from core.errors import DomainError
from curation.models import Assignment, Project, Sample
from curation.projects.files import PROJECT_FIELDS, ProjectFile, project_file_read, project_validate
from curation.projects.rubric_versions import _rubric_resolve

# --- projects -----------------------------------------------------------------------------------


@dataclass
class ProjectLoadResult:
    project: Project
    created: bool
    changed: list[str]
    rubric_outcome: str  # unchanged | updated | created
    slots_adjusted: int = 0

    def summary(self) -> str:
        rubric = self.project.rubric
        verb = "created" if self.created else ("updated" if self.changed else "unchanged")
        parts = [f"Project {self.project.slug} {verb}"]
        if self.changed and not self.created:
            parts.append("changed: " + ", ".join(self.changed))
        parts.append(f"rubric {rubric.family} v{rubric.version} {self.rubric_outcome}")
        if self.slots_adjusted:
            parts.append(f"{self.slots_adjusted} open samples re-slotted")
        return "; ".join(parts) + "."


def project_slots_adjust(*, project: Project) -> int:
    """slots_open = max(0, overlap - (reviews done + active leases)) on every open sample."""
    leases = (
        Assignment.objects.filter(sample=OuterRef("pk"), status=Assignment.Status.LEASED)
        .order_by()
        .values("sample")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Sample.objects.filter(project=project, status=Sample.Status.OPEN).update(
        slots_open=Greatest(
            Value(0),
            Value(project.overlap)
            - F("reviews_done")
            - Coalesce(Subquery(leases, output_field=IntegerField()), Value(0)),
        )
    )


@transaction.atomic
def project_load(*, data: Any, actor, filename: str = "<project>") -> ProjectLoadResult:
    """Create or update a project and its rubric from a project file (text, bytes or mapping)."""
    if isinstance(data, str | bytes):
        pf = project_file_read(source=data, filename=filename)
    else:
        pf = ProjectFile(data=data, filename=filename)
    spec = project_validate(pf)
    project = Project.objects.select_for_update().filter(slug=spec["slug"]).first()
    rubric, rubric_outcome = _rubric_resolve(
        spec["rubric"], project.rubric if project else None, actor
    )
    values = {k: spec[k] for k in PROJECT_FIELDS if spec[k] is not None}
    if project is None:
        project = Project.objects.create(
            slug=spec["slug"], rubric=rubric, created_by=actor, **values
        )
        if spec["cohorts"]:
            project.cohorts.set(Cohort.objects.filter(slug__in=spec["cohorts"]))
        after = {
            **values,
            "rubric": f"{rubric.family} v{rubric.version}",
            "cohorts": spec["cohorts"] or [],
        }
        audit_record(actor=actor, action="project.created", obj=project, after=after)
        return ProjectLoadResult(project, True, sorted(after), rubric_outcome)
    if values.get("kind", project.kind) != project.kind and project.samples.exists():
        raise DomainError(
            f"cannot change a project with samples from {project.kind} to {values['kind']}",
            field="kind",
        )
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in values.items():
        if getattr(project, name) != value:
            before[name], after[name] = getattr(project, name), value
            setattr(project, name, value)
    if project.rubric_id != rubric.pk:
        before["rubric"] = f"{project.rubric.family} v{project.rubric.version}"
        after["rubric"] = f"{rubric.family} v{rubric.version}"
        project.rubric = rubric
    if spec["cohorts"] is not None:
        current = sorted(project.cohorts.values_list("slug", flat=True))
        if current != spec["cohorts"]:
            before["cohorts"], after["cohorts"] = current, spec["cohorts"]
            project.cohorts.set(Cohort.objects.filter(slug__in=spec["cohorts"]))
    slots = 0
    if after:
        project.save()
        if "overlap" in after:
            slots = project_slots_adjust(project=project)
            after["slots_adjusted"] = slots
        audit_record(actor=actor, action="project.updated", obj=project, before=before, after=after)
    changed = sorted(k for k in after if k != "slots_adjusted")
    return ProjectLoadResult(project, False, changed, rubric_outcome, slots)
