"""Reads of sample criteria: scores, the model-grader meta-evaluation, progress.

Reports are read from the whole project; the API asks `project_for_admin` first.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q

from core.errors import NotFound
from curation.agreement.stats.meta_eval import CriterionVotes, meta_evaluation
from curation.agreement.stats.rubric_score import GradedResponse, score_report
from curation.criteria.healthbench import META_KEY
from curation.criteria.services import model_grader_parse
from curation.models import CriterionGrade, ModelGrader, Project, Sample, SampleCriterion

KEPT = (SampleCriterion.Status.VALIDATED,)


def model_grader_by_name(value: str) -> ModelGrader:
    try:
        name, version = model_grader_parse(value)
    except Exception:
        raise NotFound("Model grader not found.")
    grader = ModelGrader.objects.filter(name=name, version=version).first()
    if grader is None:
        raise NotFound("Model grader not found.")
    return grader


def _themes(sample_metadata: dict) -> list[str]:
    tags = ((sample_metadata or {}).get(META_KEY) or {}).get("example_tags") or []
    return [t for t in tags if t.startswith("theme:")]


def _grades(project: Project):
    """(criterion id -> (axis, sample id, points)), votes by grader, and sample themes."""
    criteria = {
        pk: (axis, sample_id, points)
        for pk, axis, sample_id, points in SampleCriterion.objects.filter(
            sample__project=project, status__in=KEPT
        ).values_list("id", "axis", "sample_id", "points")
    }
    physicians: dict[int, list[bool]] = defaultdict(list)
    models: dict[tuple[int, int], bool] = {}
    rows = CriterionGrade.objects.filter(criterion_id__in=list(criteria)).values_list(
        "criterion_id", "physician_id", "model_grader_id", "met"
    )
    for criterion_id, physician_id, model_id, met in rows.iterator(chunk_size=5000):
        if physician_id is not None:
            physicians[criterion_id].append(met)
        else:
            models[(model_id, criterion_id)] = met
    themes = {
        pk: _themes(meta)
        for pk, meta in Sample.objects.filter(
            pk__in={s for _, s, _ in criteria.values()}
        ).values_list("id", "metadata")
    }
    return criteria, physicians, models, themes


def meta_evaluation_report(project: Project, grader: ModelGrader, *, rounds: int = 1000) -> dict:
    """The grader against the physicians' majority, overall, per axis and per theme."""
    criteria, physicians, models, themes = _grades(project)
    items = [
        CriterionVotes(
            physicians=physicians.get(pk, []),
            model=models.get((grader.pk, pk)),
            groups=[f"axis:{axis}", *themes.get(sample_id, [])],
        )
        for pk, (axis, sample_id, _points) in criteria.items()
    ]
    report = meta_evaluation(items, rounds=rounds)
    return {"project": project.slug, "grader": str(grader), **report}


def score_report_for(project: Project, *, grader: ModelGrader | None = None) -> dict:
    """HealthBench's score of each sample's response: by the grader, or the physicians' majority."""
    criteria, physicians, models, themes = _grades(project)
    by_sample: dict[int, GradedResponse] = {}
    for pk, (axis, sample_id, points) in criteria.items():
        if grader is not None:
            met = models.get((grader.pk, pk))
        else:
            votes = physicians.get(pk, [])
            yes = sum(votes)
            met = None if not votes or yes * 2 == len(votes) else yes * 2 > len(votes)
        if met is None:
            continue
        r = by_sample.setdefault(
            sample_id, GradedResponse(points=[], axes=[], met=[], themes=themes.get(sample_id, []))
        )
        r.points.append(points)
        r.axes.append(axis)
        r.met.append(met)
    report = score_report(by_sample.values()).as_dict()
    return {"project": project.slug, "grader": str(grader) if grader else "physicians", **report}


def criteria_progress(project: Project) -> dict:
    """Authoring and validation progress, criteria per sample, the most disputed criteria."""
    counts = dict(
        SampleCriterion.objects.filter(sample__project=project)
        .values_list("status")
        .annotate(n=Count("id"))
    )
    samples = Sample.objects.filter(project=project).annotate(
        n=Count("criteria", filter=~Q(criteria__status=SampleCriterion.Status.REJECTED))
    )
    per_sample = list(samples.values_list("n", flat=True))
    disputed = (
        SampleCriterion.objects.filter(sample__project=project)
        .annotate(
            against=Count("validations", filter=~Q(validations__decision="agree")),
        )
        .filter(against__gt=0)
        .select_related("sample")
        .order_by("-against", "id")[:10]
    )
    return {
        "by_status": {s: counts.get(s, 0) for s in SampleCriterion.Status.values},
        "samples": len(per_sample),
        "samples_with_criteria": sum(1 for n in per_sample if n),
        "criteria_per_sample": (sum(per_sample) / len(per_sample)) if per_sample else 0.0,
        "most_disputed": [
            {
                "id": c.pk,
                "sample": c.sample.external_id,
                "text": c.text,
                "status": c.status,
                "against": c.against,
            }
            for c in disputed
        ],
    }


# --- the authoring and validation pages -------------------------------------------------------


def sample_for_author(project: Project, external_id: str | None = None) -> Sample:
    """The sample to write criteria for: the one named, else the first with none yet."""
    samples = Sample.objects.filter(project=project, quarantined=False)
    if external_id:
        sample = samples.filter(external_id=external_id).first()
        if sample is None:
            raise NotFound("No such sample.")
        return sample
    bare = samples.exclude(criteria__status__in=[SampleCriterion.Status.PROPOSED, *KEPT]).order_by(
        "id"
    )
    sample = bare.first() or samples.order_by("id").first()
    if sample is None:
        raise NotFound("This project has no samples.")
    return sample


def sample_after(project: Project, sample: Sample) -> Sample | None:
    return (
        Sample.objects.filter(project=project, quarantined=False, id__gt=sample.pk)
        .order_by("id")
        .first()
    )


def criteria_of_sample(sample: Sample):
    return sample.criteria.exclude(status=SampleCriterion.Status.REJECTED).order_by("position")


def criterion_to_validate(user, project: Project) -> SampleCriterion | None:
    """The oldest proposed criterion someone else wrote that this user has not judged."""
    return (
        SampleCriterion.objects.filter(
            sample__project=project,
            sample__quarantined=False,
            status=SampleCriterion.Status.PROPOSED,
        )
        .exclude(author_id=user.pk)
        .exclude(validations__validator_id=user.pk)
        .annotate(judged=Count("validations"))
        .filter(judged__lt=project.criteria_validators)
        .select_related("sample")
        .order_by("id")
        .first()
    )


def disputed_for_lead(projects) -> list[SampleCriterion]:
    return list(
        SampleCriterion.objects.filter(
            sample__project__in=projects, status=SampleCriterion.Status.DISPUTED
        )
        .select_related("sample__project")
        .prefetch_related("validations__validator")
        .order_by("id")[:50]
    )


def model_graders_of(project: Project) -> list[ModelGrader]:
    """The model graders with at least one grade in the project."""
    return list(
        ModelGrader.objects.filter(grades__criterion__sample__project=project)
        .distinct()
        .order_by("name", "version")
    )


def sample_to_grade(user, project: Project) -> Sample | None:
    """The next sample with a response and validated criteria this physician has not all graded."""
    ungraded = SampleCriterion.objects.filter(status__in=KEPT).exclude(grades__physician=user)
    return (
        Sample.objects.filter(project=project, quarantined=False, criteria__in=ungraded)
        .exclude(answer="")
        .distinct()
        .order_by("id")
        .first()
    )


def kept_criteria(sample: Sample):
    return sample.criteria.filter(status__in=KEPT).order_by("position")
