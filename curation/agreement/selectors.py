"""Reads for agreement, adjudication and physician quality, scoped to who is asking.

Every door returns the same 404 for "missing" and "not yours".
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from core.errors import NotFound
from curation.access import administered_projects, led_projects, unblinded_samples, with_decider
from curation.models import AgreementReport, Project, Review, Sample

PHYSICIAN_SORTS = {
    "name": ("name", False),
    "reviews": ("reviews", True),
    "agreement": ("agreement_with_others", True),
    "gold": ("gold_accuracy", True),
    "kappa": ("mean_pairwise_kappa", True),
    "time": ("median_time_ms", False),
    "throughput": ("reviews_per_active_day", True),
}


def project_for_admin(user, slug: str) -> Project:
    project = administered_projects(user).select_related("rubric").filter(slug=slug).first()
    if project is None:
        raise NotFound("Project not found.")
    return project


def adjudication_queue(user) -> QuerySet[Sample]:
    """Samples waiting for a lead, oldest first, in the projects this user leads or administers
    (an admin reads the queue; only a lead decides).

    Each carries `reviewed_by_me`: a lead never decides a sample they reviewed, so the queue
    shows it with a word that another lead must."""
    waiting = Sample.objects.filter(
        Q(project__in=led_projects(user)) | Q(project__in=administered_projects(user)),
        status=Sample.Status.ADJUDICATION,
    )
    return (
        with_decider(waiting, user)
        .select_related("project", "specialty", "consensus")
        .order_by("updated_at", "id")
    )


def adjudication_queue_size(project: Project) -> int:
    return Sample.objects.filter(project=project, status=Sample.Status.ADJUDICATION).count()


def sample_for_adjudication(user, sample_id) -> Sample:
    """A sample whose reviews this user may read side by side (see `access.unblinded_samples`);
    the same 404 for missing, forbidden and still blind."""
    try:
        sample_id = int(sample_id)
    except (TypeError, ValueError):
        raise NotFound("Sample not found.")
    sample = (
        unblinded_samples(user)
        .select_related("project__rubric", "specialty", "consensus__report")
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=Review.objects.select_related("reviewer").order_by("submitted_at", "id"),
            )
        )
        .filter(pk=sample_id)
        .first()
    )
    if sample is None:
        raise NotFound("Sample not found.")
    return sample


def reports_for_project(project: Project) -> QuerySet[AgreementReport]:
    return AgreementReport.objects.filter(project=project).order_by("-created_at", "-id")


def latest_report(project: Project) -> AgreementReport | None:
    return reports_for_project(project).filter(status=AgreementReport.Status.DONE).first()


def alpha_trend(project: Project, limit: int = 20) -> list[dict]:
    """Per criterion alpha across the last finished reports, oldest first."""
    reports = list(
        reports_for_project(project)
        .filter(status=AgreementReport.Status.DONE)
        .only("id", "created_at", "figures")[:limit]
    )
    trend = []
    for report in reversed(reports):
        point = {"report": report.pk, "created_at": report.created_at}
        for criterion in report.figures.get("criteria", []):
            point[criterion["key"]] = criterion["overall"].get("alpha")
        verdict = report.figures.get("verdict") or {}
        point["verdict"] = (verdict.get("overall") or {}).get("alpha")
        trend.append(point)
    return trend


def physician_table(report: AgreementReport | None, sort: str = "agreement") -> list[dict]:
    """The report's physician rows sorted server-side; unknown values sort last."""
    if report is None:
        return []
    key, descending = PHYSICIAN_SORTS.get(sort, PHYSICIAN_SORTS["agreement"])
    rows = list(report.physicians)
    known = [r for r in rows if r.get(key) is not None]
    unknown = [r for r in rows if r.get(key) is None]
    known.sort(key=lambda r: r[key], reverse=descending)
    return known + unknown


def own_agreement(user) -> list[dict]:
    """Per project: how often this physician's grades match the final label of settled samples."""
    reviews = (
        Review.objects.filter(reviewer=user, is_model=False, sample__status=Sample.Status.SETTLED)
        .values_list(
            "project_id",
            "project__name",
            "project__slug",
            "grades",
            "verdict",
            "sample__final_grades",
            "sample__final_verdict",
            "sample__final_source",
        )
        .order_by("project_id")
    )
    projects: dict[int, dict] = {}
    for pid, name, slug, grades, verdict, final, final_verdict, source in reviews.iterator(
        chunk_size=2000
    ):
        entry = projects.setdefault(
            pid,
            {
                "project": name,
                "slug": slug,
                "samples": 0,
                "adjudicated": 0,
                "verdict_agreed": 0,
                "criteria": {},
            },
        )
        entry["samples"] += 1
        entry["adjudicated"] += source == "adjudication"
        entry["verdict_agreed"] += verdict == final_verdict
        for key, value in (final or {}).items():
            counts = entry["criteria"].setdefault(key, [0, 0])
            counts[0] += 1
            counts[1] += (grades or {}).get(key) == value
    out = []
    for entry in projects.values():
        entry["verdict_agreement"] = entry["verdict_agreed"] / entry["samples"]
        entry["criteria"] = [
            {"key": key, "compared": n, "agreement": agreed / n if n else None}
            for key, (n, agreed) in sorted(entry["criteria"].items())
        ]
        out.append(entry)
    return out


def own_quality(user) -> list[dict]:
    """This physician's row of the latest report of each project they reviewed in."""
    project_ids = Review.objects.filter(reviewer=user, is_model=False).values("project_id")
    out = []
    for project in Project.objects.filter(pk__in=project_ids).order_by("name"):
        report = latest_report(project)
        row = next(
            (r for r in (report.physicians if report else []) if r.get("user_id") == user.pk), None
        )
        if row is not None:
            out.append(
                {
                    "project": project.name,
                    "slug": project.slug,
                    "report": report.pk,
                    "created_at": report.created_at,
                    **row,
                }
            )
    return out
