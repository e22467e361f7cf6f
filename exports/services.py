"""Every write of the exports app: exports (create, build, fail, retry, recover) and tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import secrets
import shutil
import time
from collections.abc import Callable

import orjson
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError, connection, connections, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from annotators.models import Specialty
from core.audit import audit_record
from core.errors import Conflict, DomainError, Forbidden
from core.tokens import expiry_check
from curation.agreement.selectors import latest_report
from curation.models import Project

from . import storage
from .access import may_manage_pipeline_tokens, unsettled_refusal
from .build import dataset_build
from .card import card_render, manifest_build
from .comparisons import comparison_dataset_build
from .models import DatasetFormat, Export, PipelineToken
from .spec import spec_normalise

log = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError)
HEARTBEAT_STALE = dt.timedelta(seconds=settings.EXPORTS_HEARTBEAT_STALE_SECONDS)
MAX_ATTEMPTS = settings.EXPORTS_MAX_ATTEMPTS
TOKEN_PREFIX = "rpl_"


class Superseded(Exception):
    """A newer attempt took this export over; this one stops without touching anything."""


# ---------------------------------------------------------------- exports


def _enqueue(export_id: int, *, stale_after: dt.timedelta | None = None) -> None:
    from core.outbox import enqueue

    seconds = int(stale_after.total_seconds()) if stale_after is not None else None
    # By name: exports.tasks imports this module, not the other way round.
    enqueue("exports.build", export_id, stale_after_seconds=seconds)


COMPARISON_FORMATS = (DatasetFormat.PREFERENCE.value, DatasetFormat.COMPARISON.value)
GRADING_FORMATS = tuple(f for f in DatasetFormat.values if f != DatasetFormat.COMPARISON)


@transaction.atomic
def export_create(
    *,
    actor,
    project: Project,
    format: str,
    file_format: str = "jsonl",
    filters: dict | None = None,
    split: dict | None = None,
    token: PipelineToken | None = None,
    enqueue: bool = True,
) -> Export:
    """Record an export spec with the project's next version number and queue its build."""
    spec = spec_normalise(
        format=format,
        file_format=file_format,
        filters=filters,
        split=split,
        specialty_codes=set(Specialty.objects.values_list("code", flat=True)),
    )
    if not spec["filters"]["settled_only"]:
        refusal = unsettled_refusal(user=actor, token=token)
        if refusal is not None:
            raise Forbidden(refusal, field="filters.settled_only", code="blind")
    allowed = COMPARISON_FORMATS if project.is_comparison else GRADING_FORMATS
    if format not in allowed:
        kind = "a comparison" if project.is_comparison else "a grading"
        raise DomainError(
            f"{format!r} is not an export of {kind} project: use one of {', '.join(allowed)}",
            field="format",
        )
    # Lock the project row so concurrent creations take consecutive version numbers.
    Project.objects.select_for_update().filter(pk=project.pk).values_list("pk").first()
    latest = Export.objects.filter(project=project).aggregate(v=Max("version"))["v"] or 0
    export = Export.objects.create(
        project=project,
        version=latest + 1,
        format=format,
        file_format=file_format,
        spec=spec,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_by_token=token,
    )
    audit_record(
        actor=actor,
        action="export.create",
        obj=export,
        after={
            "format": format,
            "file_format": file_format,
            "spec": spec,
            "version": export.version,
        },
    )
    if enqueue:
        _enqueue(export.pk)
    return export


def _claim(export_id: int, stale_after: dt.timedelta) -> Export | None:
    """Take the export for a new attempt: queued, or running with a dead heartbeat."""
    now = timezone.now()
    with transaction.atomic():
        claimable = Q(status=Export.Status.QUEUED) | Q(
            status=Export.Status.RUNNING, heartbeat_at__lt=now - stale_after
        )
        updated = Export.objects.filter(claimable, pk=export_id).update(
            status=Export.Status.RUNNING,
            attempt=F("attempt") + 1,
            started_at=now,
            heartbeat_at=now,
            progress_rows=0,
            error="",
        )
        if not updated:
            return None
        export = Export.objects.select_related("project__rubric").get(pk=export_id)
        audit_record(
            actor=None, action="export.build_start", obj=export, after={"attempt": export.attempt}
        )
    return export


class _Heartbeat:
    """Writes progress at most once a second on its own connection, so readers see it while the
    build's read-only snapshot transaction is open; raises Superseded if another attempt won."""

    SQL = (
        "UPDATE exports_export SET progress_rows = %s, total_rows = %s, heartbeat_at = %s "
        "WHERE id = %s AND attempt = %s AND status = 'running'"
    )

    def __init__(self, export: Export, callback: Callable[[int, int | None], None] | None):
        self.export = export
        self.callback = callback
        self.last = 0.0
        # Inside a caller's transaction (tests) the caller's connection is the only one that can
        # see the row; otherwise a separate connection commits each beat at once.
        self.side = None if connection.in_atomic_block else connections.create_connection("default")

    def __call__(self, done: int, total: int | None) -> None:
        if self.callback:
            self.callback(done, total)
        now = time.monotonic()
        if done and done != total and now - self.last < 1.0:
            return
        self.last = now
        conn = self.side or connection
        with conn.cursor() as cursor:
            cursor.execute(
                self.SQL, [done, total, timezone.now(), self.export.pk, self.export.attempt]
            )
            if cursor.rowcount == 0:
                raise Superseded()

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def export_build(
    *,
    export_id: int,
    progress: Callable[[int, int | None], None] | None = None,
    stale_after: dt.timedelta = HEARTBEAT_STALE,
) -> Export:
    """Build an export's files and publish them; safe to call again for the same export.

    A done or failed export is left as it is. A running one is taken over only when its heartbeat
    is older than `stale_after` (its worker died). Failure marks it failed with the reason and
    leaves no file visible; a transient database error puts it back in the queue and re-raises so
    the task retries.
    """
    export = _claim(export_id, stale_after)
    if export is None:
        return Export.objects.get(pk=export_id)
    heartbeat = _Heartbeat(export, progress)
    workdir = None
    try:
        storage.discard_work(export_id=export.pk)
        workdir = storage.work_dir(export_id=export.pk, attempt=export.attempt)
        builder = comparison_dataset_build if export.project.is_comparison else dataset_build
        result = builder(export=export, workdir=workdir, progress=heartbeat)
        manifest = manifest_build(
            export=export,
            files=result.files,
            row_count=result.row_count,
            stats=result.stats,
            agreement_report=latest_report(export.project),
        )
        (workdir / "manifest.json").write_bytes(
            orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
        )
        (workdir / "README.md").write_text(card_render(export=export, manifest=manifest))
        for name in ("manifest.json", "README.md"):
            with open(workdir / name, "rb") as f:
                os.fsync(f.fileno())
        _publish(export, workdir, result.files, manifest)
    except Superseded:
        log.info("export %s attempt %s superseded by a newer attempt", export.pk, export.attempt)
        _discard(workdir)
    except TRANSIENT_ERRORS:
        _discard(workdir)
        Export.objects.filter(
            pk=export.pk, attempt=export.attempt, status=Export.Status.RUNNING
        ).update(status=Export.Status.QUEUED)
        raise
    except Exception as exc:
        _discard(workdir)
        log.exception("export %s failed", export.pk)
        export_fail(export=export, reason=f"{type(exc).__name__}: {exc}")
    finally:
        heartbeat.close()
    return Export.objects.get(pk=export.pk)


def _discard(workdir) -> None:
    if workdir is not None:
        shutil.rmtree(workdir, ignore_errors=True)


def _publish(export: Export, workdir, files: list[dict], manifest: dict) -> None:
    names = [f["path"] for f in files] + ["manifest.json", "README.md"]
    prefix = storage.export_prefix(
        project_slug=export.project.slug, version=export.version, format=export.format
    )
    published = False
    try:
        with transaction.atomic():
            locked = (
                Export.objects.select_for_update()
                .filter(pk=export.pk, attempt=export.attempt, status=Export.Status.RUNNING)
                .first()
            )
            if locked is None:
                raise Superseded()
            storage.publish(workdir=workdir, prefix=prefix, names=names)
            published = True
            main = files[0]
            Export.objects.filter(pk=export.pk).update(
                status=Export.Status.DONE,
                files=files,
                storage_prefix=prefix,
                row_count=sum(f["rows"] for f in files),
                progress_rows=sum(f["rows"] for f in files),
                total_rows=sum(f["rows"] for f in files),
                byte_size=sum(f["bytes"] for f in files),
                sha256=main["sha256"],
                manifest=manifest,
                finished_at=timezone.now(),
                heartbeat_at=timezone.now(),
            )
            audit_record(
                actor=None,
                action="export.build",
                obj=export,
                after={"rows": manifest["rows"], "sha256": main["sha256"], "files": files},
            )
    except BaseException:
        if published:
            storage.unpublish(prefix=prefix, names=names)
        raise


@transaction.atomic
def export_fail(*, export: Export, reason: str) -> bool:
    updated = Export.objects.filter(
        pk=export.pk, attempt=export.attempt, status=Export.Status.RUNNING
    ).update(
        status=Export.Status.FAILED, error=reason[:4000] or "failed", finished_at=timezone.now()
    )
    if updated:
        audit_record(actor=None, action="export.fail", obj=export, after={"reason": reason[:4000]})
    return bool(updated)


@transaction.atomic
def export_retry(*, export: Export, actor, token: PipelineToken | None = None) -> Export:
    """Queue a failed export again; the same spec and version, a fresh attempt.

    A pipeline token may retry only the exports it asked for itself.
    """
    if token is not None and export.created_by_token_id != token.pk:
        raise DomainError(
            "Only the pipeline that asked for this export can retry it.",
            code="forbidden",
            status=403,
        )
    updated = Export.objects.filter(pk=export.pk, status=Export.Status.FAILED).update(
        status=Export.Status.QUEUED, error="", progress_rows=0, finished_at=None
    )
    if not updated:
        raise Conflict(f"Only a failed export can be retried; this one is {export.status}.")
    audit_record(
        actor=actor,
        action="export.retry",
        obj=export,
        after={"token": token.prefix} if token is not None else None,
    )
    _enqueue(export.pk)
    export.refresh_from_db()
    return export


@transaction.atomic
def exports_recover_stalled(*, stale_after: dt.timedelta = HEARTBEAT_STALE) -> list[int]:
    """Re-queue builds whose worker died (no heartbeat for `stale_after`) and queued builds whose
    message was lost; give up with a reason after MAX_ATTEMPTS attempts."""
    cutoff = timezone.now() - stale_after
    stalled = Export.objects.select_for_update(skip_locked=True).filter(
        Q(status=Export.Status.RUNNING, heartbeat_at__lt=cutoff)
        | Q(status=Export.Status.QUEUED, created_at__lt=cutoff, started_at__isnull=True)
    )
    requeued = []
    for export in stalled:
        if export.status == Export.Status.RUNNING and export.attempt >= MAX_ATTEMPTS:
            export_fail(
                export=export,
                reason=f"Gave up after {export.attempt} attempts: the worker stopped responding.",
            )
            continue
        audit_record(
            actor=None, action="export.requeue", obj=export, after={"attempt": export.attempt}
        )
        _enqueue(export.pk, stale_after=stale_after)
        requeued.append(export.pk)
    return requeued


# ---------------------------------------------------------------- pipeline tokens


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def pipeline_token_create(
    *, name: str, projects: list[Project], actor, expires_at: dt.datetime | None = None
) -> tuple[PipelineToken, str]:
    """A new token scoped to `projects`; returns it and its key, which is never shown again."""
    if not may_manage_pipeline_tokens(actor):
        raise DomainError("Only an administrator can create pipeline tokens.", code="forbidden")
    name = (name or "").strip()
    if not name:
        raise DomainError("is required", field="name")
    if not projects:
        raise DomainError("must name at least one project", field="projects")
    expiry_check(expires_at)
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    user = get_user_model().objects.create(
        username=f"pipeline-{secrets.token_hex(6)}", first_name=name[:150], is_staff=False
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    token = PipelineToken.objects.create(
        name=name,
        prefix=key[:12],
        key_hash=_hash_key(key),
        user=user,
        created_by=actor,
        expires_at=expires_at,
    )
    token.projects.set(projects)
    audit_record(
        actor=actor,
        action="pipeline_token.create",
        obj=token,
        after={
            "projects": sorted(p.slug for p in projects),
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return token, key


@transaction.atomic
def pipeline_token_revoke(*, token: PipelineToken, actor) -> bool:
    updated = PipelineToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated:
        audit_record(actor=actor, action="pipeline_token.revoke", obj=token)
    return bool(updated)


def pipeline_token_authenticate(key: str) -> PipelineToken | None:
    """The live token for a key, recording its use (at most once a minute)."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    token = (
        PipelineToken.objects.select_related("user")
        .filter(key_hash=_hash_key(key), revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        PipelineToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
