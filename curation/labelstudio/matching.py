"""Who and what an annotation is about: the sample behind a task, the physician behind an
annotator's e-mail. Reads only; the pull and the offline import share them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower

from curation.models import LabelStudioLink, LabelStudioTask, Project, Sample
from curation.reviewing import eligibility

from .pull import ExportedAnnotation


def samples_for(
    *, project: Project, link: LabelStudioLink | None, annotations: list[ExportedAnnotation]
) -> dict[Any, Sample]:
    """Task id, ("sample", id) and ("external", external id) -> sample, in three queries."""
    found: dict[Any, Sample] = {}
    base = Sample.objects.filter(project=project).only("id", "external_id", "project_id")
    if link is not None:
        task_ids = {a.task_id for a in annotations if a.task_id is not None}
        for row in (
            LabelStudioTask.objects.filter(link=link, ls_task_id__in=task_ids)
            .select_related("sample")
            .only("ls_task_id", "sample__id", "sample__external_id", "sample__project_id")
        ):
            found[row.ls_task_id] = row.sample
    sample_ids = {a.sample_id for a in annotations if a.sample_id is not None}
    for sample in base.filter(pk__in=sample_ids):
        found[("sample", sample.pk)] = sample
    external_ids = {a.external_id for a in annotations if a.external_id}
    for sample in base.filter(external_id__in=external_ids):
        found[("external", sample.external_id)] = sample
    return found


def reviewers_for(
    *, project: Project, annotations: list[ExportedAnnotation]
) -> dict[str, tuple[Any, str | None]]:
    """E-mail -> (user, None) for a physician who may review this project, (user, why not) for
    one who may not; e-mails of no physician are left out (reported as unknown annotators)."""
    emails = {a.annotator_email for a in annotations if a.annotator_email}
    users = (
        get_user_model()
        .objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails, physician__isnull=False)
        .select_related("physician")
    )
    cohort_ids = set(project.cohorts.values_list("pk", flat=True))
    members = set()
    if cohort_ids:
        from annotators.models import CohortMembership

        members = set(
            CohortMembership.objects.filter(
                cohort_id__in=cohort_ids, physician__user__in=users
            ).values_list("physician__user_id", flat=True)
        )
    out: dict[str, tuple[Any, str | None]] = {}
    for user in users:
        physician = user.physician
        if not eligibility.may_review(physician):
            out[user.email_lower] = (
                user,
                f"{user.email} may not review: the physician is "
                f"{physician.status}, {physician.verification}",
            )
        elif cohort_ids and user.pk not in members:
            out[user.email_lower] = (
                user,
                f"{user.email} is not in a cohort of project {project.slug}",
            )
        else:
            out[user.email_lower] = (user, None)
    return out
