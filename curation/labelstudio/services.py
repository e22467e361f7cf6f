"""Label Studio as a project's labelling front end: push samples out, pull annotations in.

Rounds keeps what Label Studio's community edition lacks (overlap, blind review, agreement,
adjudication, exports): every annotation comes back through `review_record`, validated against
the rubric like any review, by the physician whose e-mail matches the Label Studio annotator.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import audit_record
from core.errors import DomainError
from curation.labelstudio import config as ls_config
from curation.labelstudio.pull import ExportedAnnotation
from curation.models import LabelStudioLink, LabelStudioTask, Project, Sample


@dataclass
class PushReport:
    ls_project_id: int
    project_created: bool
    pushed: int = 0
    already_there: int = 0
    adopted: int = 0
    skipped_quarantined: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class PullReport:
    created: int = 0
    amended: int = 0
    unchanged: int = 0
    skipped: int = 0  # annotations cancelled (skipped) in Label Studio
    rejected: list[dict] = field(default_factory=list)
    unknown_annotators: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def total(self) -> int:
        return self.created + self.amended + self.unchanged + self.skipped + len(self.rejected)


# -- the link --------------------------------------------------------------------------------


def _comparisons_refused(project: Project) -> None:
    """The bridge maps rubric grades; side-by-side comparisons do not travel through it yet."""
    if project.is_comparison:
        raise DomainError(
            "comparison projects are not bridged to Label Studio: review them in Rounds",
            field="project",
            code="unsupported",
        )


@transaction.atomic
def labelstudio_link_save(
    *, project: Project, url: str | None = None, token: str | None = None, actor
) -> LabelStudioLink:
    """Create or update a project's link; the token is stored encrypted and never audited."""
    _comparisons_refused(project)
    link = LabelStudioLink.objects.select_for_update().filter(project=project).first()
    created = link is None
    if created:
        if not url:
            raise DomainError(
                "is required: this project is not linked to Label Studio yet", field="url"
            )
        link = LabelStudioLink(project=project)
    before = None if created else {"url": link.url, "token": link.token_hint}
    if url:
        link.url = url.rstrip("/")
    if token:
        link.set_token(token)
    if not link.get_token():
        raise DomainError(
            "is required: no token is stored for this project and LABEL_STUDIO_TOKEN is not set "
            "(or the stored one can no longer be decrypted: pass it again)",
            field="token",
        )
    after = {"url": link.url, "token": link.token_hint}
    if created or before != after:
        link.full_clean(exclude=["project"])
        link.save()
        audit_record(actor=actor, action="labelstudio.link", obj=link, before=before, after=after)
    return link


def _client(link: LabelStudioLink):
    from curation.labelstudio.client import client_for

    return client_for(url=link.url, token=link.get_token())


def _credentials_check(*, project: Project, url: str | None, token: str | None) -> None:
    """New credentials are tried on the server before they replace the stored ones, so a
    mistyped token never overwrites a working one."""
    if not url and not token:
        return
    from curation.labelstudio.client import client_for, server_errors

    stored = LabelStudioLink.objects.filter(project=project).first()
    client = client_for(
        url=url or (stored.url if stored else ""),
        token=token or (stored.get_token() if stored else ""),
    )
    with server_errors("check the token"):
        client.users.whoami()


# -- push ------------------------------------------------------------------------------------


def labelstudio_push(
    *,
    project: Project,
    url: str | None = None,
    token: str | None = None,
    actor,
    batch_size: int | None = None,
) -> PushReport:
    """Create or update the Label Studio project for `project` and import the samples it does not
    hold yet, in batches. Re-running pushes only new samples.

    The link row stays locked for the whole push, so two pushes of one project never race. Should
    a push die after Label Studio created tasks but before Rounds recorded them, the next push
    finds those tasks by the sample id they carry and adopts them instead of importing twice."""
    from curation.labelstudio import push as remote
    from curation.reviewing.rendering import markdown_render

    batch_size = batch_size or settings.LABEL_STUDIO_BATCH_SIZE
    _credentials_check(project=project, url=url, token=token)
    link = labelstudio_link_save(project=project, url=url, token=token, actor=actor)
    criteria = list(project.rubric.criteria.order_by("position"))
    label_config = ls_config.label_config(criteria)
    client = _client(link)
    with transaction.atomic():
        link = LabelStudioLink.objects.select_for_update().get(pk=link.pk)
        ls_project_id, created, remote_tasks = remote.project_ensure(
            client,
            ls_project_id=link.ls_project_id,
            title=remote.project_title(project.name),
            label_config=label_config,
            instructions=str(markdown_render(project.guidelines)) if project.guidelines else "",
        )
        report = PushReport(ls_project_id=ls_project_id, project_created=created)
        if created and link.ls_project_id is not None:
            # The old project is gone from Label Studio: its tasks went with it.
            link.tasks.all().delete()
        link.ls_project_id = ls_project_id
        mapped = dict(link.tasks.values_list("sample_id", "ls_task_id"))
        if remote_tasks > len(mapped):
            project_samples = set(project.samples.values_list("pk", flat=True))
            orphans = [
                LabelStudioTask(link=link, sample_id=sample_id, ls_task_id=task_id)
                for sample_id, task_id in remote.tasks_existing(
                    client, ls_project_id=ls_project_id
                ).items()
                if sample_id in project_samples and sample_id not in mapped
            ]
            LabelStudioTask.objects.bulk_create(orphans)
            mapped.update({t.sample_id: t.ls_task_id for t in orphans})
            report.adopted = len(orphans)
        report.already_there = len(mapped) - report.adopted
        report.skipped_quarantined = project.samples.filter(quarantined=True).count()
        pending = (
            project.samples.filter(quarantined=False)
            .exclude(pk__in=LabelStudioTask.objects.filter(link=link).values("sample_id"))
            .order_by("pk")
            .only("id", "external_id", "messages", "reasoning", "answer")
        )
        batch: list[Sample] = []
        for sample in pending.iterator(chunk_size=batch_size):
            batch.append(sample)
            if len(batch) >= batch_size:
                report.pushed += _push_batch(client, link, batch)
                batch = []
        if batch:
            report.pushed += _push_batch(client, link, batch)
        link.last_push_at = timezone.now()
        link.save(update_fields=["ls_project_id", "last_push_at", "updated_at"])
        audit_record(
            actor=actor,
            action="labelstudio.push",
            obj=project,
            after={"url": link.url, **report.as_dict()},
        )
    return report


def _push_batch(client, link: LabelStudioLink, samples: list[Sample]) -> int:
    from curation.labelstudio import push as remote

    task_ids = remote.tasks_import(
        client,
        ls_project_id=link.ls_project_id,
        payloads=[ls_config.task_payload(sample) for sample in samples],
    )
    LabelStudioTask.objects.bulk_create(
        [
            LabelStudioTask(link=link, sample=sample, ls_task_id=task_id)
            for sample, task_id in zip(samples, task_ids, strict=True)
        ]
    )
    return len(task_ids)


# -- pull and offline import -----------------------------------------------------------------


def labelstudio_pull(
    *, project: Project, url: str | None = None, token: str | None = None, actor
) -> PullReport:
    """Read every annotation of the linked Label Studio project and record each as a review.

    Idempotent by annotation id: a second pull reports everything unchanged; an annotation edited
    in Label Studio arrives as an amendment. One bad annotation is reported with its task and
    reason, and the rest still lands."""
    from curation.labelstudio.pull import annotations_from_tasks, tasks_fetch, users_fetch

    link = LabelStudioLink.objects.filter(project=project).first()
    if link is None or link.ls_project_id is None:
        raise DomainError(
            f"Project {project.slug} has not been pushed to Label Studio yet: run labelstudio_push "
            "first",
            field="project",
            code="not_linked",
        )
    if url or token:
        _credentials_check(project=project, url=url, token=token)
        link = labelstudio_link_save(project=project, url=url, token=token, actor=actor)
    client = _client(link)
    emails = users_fetch(client)
    annotations = list(
        annotations_from_tasks(tasks_fetch(client, ls_project_id=link.ls_project_id), emails=emails)
    )
    report = _annotations_record(
        project=project, annotations=annotations, actor=actor, link=link, origin="pull"
    )
    return report


def labelstudio_import(
    *,
    project: Project,
    annotations: Iterable[ExportedAnnotation],
    actor,
    file_name: str = "",
) -> PullReport:
    """Record the annotations of a Label Studio export file (see labelstudio.offline)."""
    _comparisons_refused(project)
    return _annotations_record(
        project=project,
        annotations=list(annotations),
        actor=actor,
        link=None,
        origin="import",
        file_name=file_name,
    )


@transaction.atomic
def _annotations_record(
    *,
    project: Project,
    annotations: list[ExportedAnnotation],
    actor,
    link: LabelStudioLink | None,
    origin: str,
    file_name: str = "",
) -> PullReport:
    from curation.labelstudio.mapping import result_to_review
    from curation.labelstudio.matching import reviewers_for, samples_for
    from curation.reviewing.reviews import review_record

    if link is not None:
        # One pull of a project at a time: the second waits, then finds everything unchanged.
        link = LabelStudioLink.objects.select_for_update().get(pk=link.pk)
    report = PullReport()
    criteria = list(project.rubric.criteria.order_by("position"))
    samples = samples_for(project=project, link=link, annotations=annotations)
    reviewers = reviewers_for(project=project, annotations=annotations)
    unknown: Counter = Counter()
    # Oldest first, so when one physician has two annotations on a task the newest wins.
    ordered = sorted(
        annotations,
        key=lambda a: (
            str(a.task_id),
            a.updated_at or a.created_at or timezone.now(),
            str(a.annotation_id),
        ),
    )
    for annotation in ordered:
        where = {
            "task": annotation.task_id,
            "annotation": annotation.annotation_id,
            "annotator": annotation.annotator_email or annotation.annotator_id,
        }
        if annotation.was_cancelled:
            report.skipped += 1
            continue
        sample = (
            samples.get(annotation.task_id)
            or samples.get(("sample", annotation.sample_id))
            or (samples.get(("external", annotation.external_id)))
        )
        if sample is None:
            report.rejected.append(
                {**where, "sample": None, "reason": "the task matches no sample of this project"}
            )
            continue
        where["sample"] = sample.external_id
        reviewer, problem = reviewers.get(annotation.annotator_email, (None, None))
        if reviewer is None and problem is None:
            unknown[annotation.annotator_email or f"user id {annotation.annotator_id}"] += 1
            continue
        if problem:
            report.rejected.append({**where, "reason": problem})
            continue
        try:
            with transaction.atomic():
                mapped = result_to_review(annotation.result, criteria)
                outcome = review_record(
                    sample=sample,
                    reviewer=reviewer,
                    grades=mapped.grades,
                    verdict=mapped.verdict,
                    corrected_answer=mapped.corrected_answer,
                    rationale=mapped.rationale,
                    submitted_at=annotation.updated_at or annotation.created_at,
                    source="labelstudio",
                    external_ref=str(annotation.annotation_id),
                    is_model=False,
                    actor=actor,
                    line=annotation.position + 1
                    if origin == "import" and annotation.position is not None
                    else None,
                    file=file_name or None,
                ).outcome
        except (DomainError, IntegrityError) as exc:
            reason = (
                "; ".join(str(d) for d in exc.details) if isinstance(exc, DomainError) else str(exc)
            )
            report.rejected.append({**where, "reason": reason})
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    report.unknown_annotators = [
        {"annotator": who, "annotations": n} for who, n in sorted(unknown.items())
    ]
    if link is not None:
        link.last_pull_at = timezone.now()
        link.last_pull_report = report.as_dict()
        link.save(update_fields=["last_pull_at", "last_pull_report", "updated_at"])
    audit_record(
        actor=actor,
        action=f"labelstudio.{origin}",
        obj=project,
        after={**({"file": file_name} if file_name else {}), **_summary(report)},
    )
    return report


def _summary(report: PullReport) -> dict[str, Any]:
    out = report.as_dict()
    out["rejected"] = out["rejected"][: settings.IMPORT_MAX_ERRORS]
    out["rejected_count"] = len(report.rejected)
    return out
