"""The agreement job: read every review of a project, compute the report, store consensus, settle.

Reads stream out of PostgreSQL with one `COPY (SELECT ...)` decoded in bulk on the client, and
consensus rows are rewritten only where they changed (see `agreement_io`); other databases fall
back to a chunked `.iterator()`. Nothing is written until the end, in one transaction, so a run
that dies midway leaves the previous report and consensus in place. A session advisory lock per
project keeps two runs of one project apart (the second is refused as already running).
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from annotators.models import CohortMembership, Specialty
from core.audit import audit_record
from core.errors import Conflict
from core.pgcopy import fetch_int8_arrays
from curation.agreement.read import read_portable, read_postgres
from curation.agreement.reuse import (
    DIGEST_KEY,
    LABELS_KEY,
    SPECIALTY_KEY,
    dataset_digest,
    last_report,
    reusable,
    specialty_digest,
)
from curation.agreement.stats.consensus import METHODS
from curation.agreement.stats.indexing import dense_unique
from curation.agreement.stats.report import Dataset, Item, Outcome, build_consensus, build_report
from curation.agreement.store import consensus_store, stored_digests
from curation.agreement.sweep import INTERRUPTED, LOCK_NAMESPACE, RunHeartbeat
from curation.models import AgreementReport, Project, Sample
from curation.reviewing.lifecycle import samples_settle
from curation.rubrics.codes import grade_code, rubric_items

log = logging.getLogger(__name__)


def _items(project: Project) -> list[Item]:
    return rubric_items(project.rubric_id)


def _attach_specialties(project: Project, dataset: Dataset, sample_ids: np.ndarray) -> None:
    """Each sample's specialty, for the report's breakdown by specialty."""
    index, used = _sample_specialties(project, sample_ids)
    names = dict(Specialty.objects.filter(pk__in=used).values_list("id", "name"))
    dataset.sample_specialty = index
    dataset.specialties = [names[s] for s in used]


def _sample_specialties(project: Project, sample_ids: np.ndarray) -> tuple[np.ndarray, list]:
    """Per sample (in `sample_ids` order) the position of its specialty in the returned ids."""
    if connection.vendor == "postgresql":
        ids, specialty = fetch_int8_arrays(
            "SELECT array_send(array_agg(id::int8)), array_send(array_agg(specialty_id::int8))"
            " FROM curation_sample WHERE project_id = %s AND specialty_id IS NOT NULL",
            [project.pk],
        )
    else:
        pairs = list(
            Sample.objects.filter(project=project, specialty__isnull=False)
            .values_list("id", "specialty_id")
            .iterator()
        )
        ids = np.array([p[0] for p in pairs], dtype=np.int64)
        specialty = np.array([-1 if p[1] is None else p[1] for p in pairs], dtype=np.int64)
    order = np.argsort(ids)
    ids, specialty = ids[order], specialty[order]
    of_sample = np.full(len(sample_ids), -1, dtype=np.int64)
    if len(ids):
        pos = np.searchsorted(ids, sample_ids).clip(max=len(ids) - 1)
        hit = ids[pos] == sample_ids
        of_sample[hit] = specialty[pos[hit]]
    known = of_sample >= 0
    used = np.unique(of_sample[known])
    index = np.full(len(sample_ids), -1, dtype=np.int64)
    index[known] = np.searchsorted(used, of_sample[known])
    return index, used.tolist()


def _dataset(project: Project, items: list[Item], raw: dict, method: str) -> tuple:
    sample_ids, sample_index = dense_unique(raw["sample"])
    reviewer_ids, rater_index = dense_unique(raw["reviewer"])
    # Rows by sample, then rater: one stable sort of one key (runs in the read order help it).
    order = np.argsort(sample_index * max(len(reviewer_ids), 1) + rater_index, kind="stable")
    codes = np.take(raw.pop("codes"), order, axis=0).astype(np.int32)
    for i, item in enumerate(items):
        codes[codes[:, i] >= len(item.categories), i] = -1
    time_ms = raw["time_ms"][order].astype(float)
    time_ms[time_ms < 0] = np.nan

    cohorts = list(project.cohorts.order_by("name").values_list("id", "name"))
    cohort_pos = {cid: i for i, (cid, _) in enumerate(cohorts)}
    rater_pos = {int(u): i for i, u in enumerate(reviewer_ids)}
    rater_cohorts = np.zeros((len(reviewer_ids), len(cohorts)), dtype=bool)
    for user_id, cohort_id in CohortMembership.objects.filter(
        cohort_id__in=cohort_pos, physician__user_id__in=list(rater_pos)
    ).values_list("physician__user_id", "cohort_id"):
        rater_cohorts[rater_pos[user_id], cohort_pos[cohort_id]] = True

    gold = None
    golds = list(
        Sample.objects.filter(project=project, is_gold=True, gold_grades__isnull=False).values_list(
            "id", "gold_grades"
        )
    )
    if golds:
        gold = np.full((len(sample_ids), len(items)), -1, dtype=np.int64)
        where = np.searchsorted(sample_ids, [g[0] for g in golds])
        for (sid, ref), pos in zip(golds, where, strict=True):
            if pos < len(sample_ids) and sample_ids[pos] == sid:
                for i, item in enumerate(items):
                    value = ref.get("verdict") if item.kind == "verdict" else ref.get(item.key)
                    gold[pos, i] = grade_code(item, value)

    dataset = Dataset(
        items=items,
        sample=sample_index[order],
        rater=rater_index[order],
        codes=codes,
        is_model=raw["is_model"][order].astype(bool),
        n_samples=len(sample_ids),
        n_raters=len(reviewer_ids),
        time_ms=time_ms,
        day=raw["day"][order].astype(np.int64),
        sample_specialty=np.full(len(sample_ids), -1, dtype=np.int64),  # see _attach_specialties
        specialties=[],
        rater_cohorts=rater_cohorts,
        cohorts=[name for _, name in cohorts],
        gold=gold,
        method=method,
    )
    return dataset, sample_ids, reviewer_ids


def _mark_failed(report: AgreementReport, exc: Exception) -> None:
    """Record why a run failed; if the database itself went away, the next run does it."""
    try:
        AgreementReport.objects.filter(pk=report.pk, status="running").update(
            status="failed", error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
    except Exception:
        log.warning("agreement report %s: could not record the failure", report.pk, exc_info=True)


@contextmanager
def _project_lock(project: Project):
    """Hold a session advisory lock on the project for the whole run; refuse a second run."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, project.pk])
        if not cursor.fetchone()[0]:
            raise Conflict(
                f"Agreement for project {project.slug} is already being computed.",
                code="already_running",
            )
    try:
        yield
    finally:
        if connection.is_usable():  # a dropped session has released its locks already
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, project.pk])


def _users(reviewer_ids: np.ndarray) -> dict[int, dict]:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(pk__in=[int(u) for u in reviewer_ids])
    return {
        u.pk: {"user_id": u.pk, "name": u.get_full_name() or u.email or u.username} for u in users
    }


def _label_tables(outcome: Outcome, reviewer_ids: np.ndarray) -> None:
    people = _users(reviewer_ids)
    for table in (outcome.physicians, outcome.model_graders):
        for row in table:
            row.update(people.get(int(reviewer_ids[row.pop("rater")]), {}))


def agreement_compute(
    *, project: Project, actor=None, method: str | None = None, fail_after_read: bool = False
) -> AgreementReport:
    """Compute and store one agreement report for `project`; settle what the reviewers agree on.

    `fail_after_read` exists for tests of the all-or-nothing guarantee.
    """
    method = method or settings.AGREEMENT_CONSENSUS_METHOD
    if method not in METHODS:
        raise Conflict(
            f"Unknown consensus method {method!r}; use one of {', '.join(METHODS)}.",
            field="method",
            code="invalid",
        )
    with _project_lock(project):
        stale = AgreementReport.objects.filter(project=project, status="running")
        stale.update(status="failed", error=INTERRUPTED, finished_at=timezone.now())
        report = AgreementReport.objects.create(
            project=project,
            method=method,
            requested_by=actor if getattr(actor, "pk", None) else None,
            heartbeat_at=timezone.now(),
        )
        started = time.monotonic()
        laps = _Laps()
        heartbeat = RunHeartbeat(report.pk).start()
        try:
            items = _items(project)
            read = read_postgres if connection.vendor == "postgresql" else read_portable
            raw = read(project, items)
            laps.mark("read")
            if fail_after_read:
                raise RuntimeError("stopped midway (test)")
            dataset, sample_ids, reviewer_ids = _dataset(project, items, raw, method)
            del raw
            laps.mark("arrange")
            run = _Run(project, report, actor, items, started, laps)
            digest = dataset_digest(project, items, dataset, sample_ids, reviewer_ids)
            last = last_report(project)
            attached = stored = None
            if last is not None and last.inputs.get(DIGEST_KEY) == digest:
                _attach_specialties(project, dataset, sample_ids)
                attached, stored = specialty_digest(dataset), stored_digests(project)
                if reusable(project, last, attached, stored):
                    laps.mark("digest")
                    return _reuse(run, last, reviewer_ids)
            laps.mark("digest")
            workers = _workers()
            with ThreadPoolExecutor(1, thread_name_prefix="agreement") as pool:
                # Consensus needs no database: it runs on its own thread while this one reads
                # what the report and the store need from PostgreSQL.
                consensus = pool.submit(build_consensus, dataset, workers=workers)
                if attached is None:
                    _attach_specialties(project, dataset, sample_ids)
                    attached, stored = specialty_digest(dataset), stored_digests(project)
                phase = consensus.result()
                laps.mark("consensus")
                # The report's statistics need no database either: they run while PostgreSQL
                # stores the consensus and settles samples on the other core.
                figures = pool.submit(_report_timed, dataset, phase, max(1, workers - 1), laps)
                digests = {DIGEST_KEY: digest, SPECIALTY_KEY: attached}
                return _finish(
                    run, dataset, phase, figures, sample_ids, reviewer_ids, stored, digests
                )
        except Exception as exc:
            _mark_failed(report, exc)
            raise
        finally:
            heartbeat.close()


@dataclass(frozen=True)
class _Run:
    """What one run of the job is: its project, report and requester, items and clock."""

    project: Project
    report: AgreementReport
    actor: object
    items: list[Item]
    started: float
    laps: _Laps


class _Laps:
    """Seconds spent in each phase of a run, stored with the report's inputs."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.extra: dict[str, float] = {}  # spans that overlap the phases
        self._last = time.monotonic()

    def mark(self, phase: str) -> None:
        now = time.monotonic()
        self.seconds[phase] = round(now - self._last, 3)
        self._last = now


def _report_timed(dataset, phase, workers: int, laps: _Laps):
    """`build_report`, its own seconds kept apart (it overlaps the store and the settle)."""
    started = time.monotonic()
    outcome = build_report(dataset, phase, workers=workers)
    laps.extra["statistics_thread"] = round(time.monotonic() - started, 3)
    return outcome


def _workers() -> int:
    """Threads for the per-criterion consensus (`AGREEMENT_WORKERS`, default 1).

    More threads help only on idle cores: on a busy two-core host a second thread was slower and
    held a second Dawid-Skene's arrays (measured at a million samples: 17 s and 1.7 GB peak with
    two threads, 12 s and 1.5 GB with one). The report's statistics always get their own thread,
    since they overlap work done by PostgreSQL, not by this process.
    """
    return max(1, int(settings.AGREEMENT_WORKERS or 1))


def _finish(run: _Run, dataset, phase, figures, sample_ids, reviewer_ids, stored, digests):
    """Store consensus, settle, and (once the report's statistics are in) the report: one commit."""
    project, report, items, laps = run.project, run.report, run.items, run.laps
    reviews = int((~dataset.is_model).sum())
    inputs = {
        "reviews": reviews,
        "model_reviews": int(dataset.is_model.sum()),
        "samples": int(dataset.n_samples),
        "samples_multi_rated": int((phase.physician_reviews >= 2).sum()),
        "samples_single_rated_left_out": int((phase.physician_reviews == 1).sum()),
        "criteria": [i.key for i in items if i.kind != "verdict"],
        "overlap": project.overlap,
        "consensus_threshold": project.consensus_threshold,
        "method": report.method,
        "note": "Items rated by a single physician are left out of every agreement figure; "
        "model graders never count toward agreement, consensus or settling.",
        **digests,
    }
    with transaction.atomic():
        kept = consensus_store(
            project=project,
            report=report,
            items=items,
            phase=phase,
            sample_ids=sample_ids,
            reviewer_ids=reviewer_ids,
            stored=stored,
        )
        inputs["consensus_rows_written"] = kept.written
        inputs[LABELS_KEY] = kept.fingerprint
        laps.mark("store")
        settled, adjudication = samples_settle(project=project)
        laps.mark("settle")
        inputs["settled_this_run"] = settled
        inputs["sent_to_adjudication_this_run"] = adjudication
        outcome = figures.result()
        laps.mark("statistics_wait")
        laps.seconds.update(laps.extra)
        _label_tables(outcome, reviewer_ids)
        inputs["seconds"] = laps.seconds
        inputs["physicians"] = len(outcome.physicians)
        inputs["model_graders"] = len(outcome.model_graders)
        _done(run, inputs, outcome.figures, outcome.physicians, outcome.model_graders)
    report.refresh_from_db()
    log.info(
        "agreement %s: %s reviews, %s settled, %s to adjudication",
        project.slug,
        reviews,
        settled,
        adjudication,
    )
    return report


def _done(run: _Run, inputs: dict, figures: dict, physicians: list, model_graders: list) -> None:
    """Write the finished report and its audit row (inside the caller's transaction)."""
    report, settled = run.report, inputs["settled_this_run"]
    adjudication = inputs["sent_to_adjudication_this_run"]
    AgreementReport.objects.filter(pk=report.pk).update(
        status="done",
        finished_at=timezone.now(),
        duration_ms=int((time.monotonic() - run.started) * 1000),
        inputs=inputs,
        figures=figures,
        physicians=physicians,
        model_graders=model_graders,
        settled=settled,
        sent_to_adjudication=adjudication,
    )
    audit_record(
        actor=run.actor,
        action="agreement.computed",
        obj=report,
        after={
            "report": report.pk,
            "settled": settled,
            "adjudication": adjudication,
            "reviews": inputs["reviews"],
        },
    )


def _reuse(run: _Run, last: AgreementReport, reviewer_ids: np.ndarray) -> AgreementReport:
    """This run's report is `last`'s: the same inputs, so the same figures; nothing to write."""
    people = _users(reviewer_ids)
    tables = []
    for table in (last.physicians, last.model_graders):
        tables.append([{**row, **people.get(row.get("user_id"), {})} for row in table])
    inputs = {
        **last.inputs,
        "consensus_rows_written": 0,
        "settled_this_run": 0,
        "sent_to_adjudication_this_run": 0,
        "reused_from_report": last.pk,
        "seconds": run.laps.seconds,
    }
    with transaction.atomic():
        _done(run, inputs, last.figures, *tables)
    run.report.refresh_from_db()
    log.info("agreement %s: inputs unchanged since report %s", run.project.slug, last.pk)
    return run.report


@transaction.atomic
def agreement_request(*, project: Project, actor) -> None:
    """Queue a run of the agreement job once this transaction commits (never in the request)."""
    from core.outbox import enqueue

    audit_record(actor=actor, action="agreement.requested", obj=project)
    # By name: curation.agreement.tasks imports this module, not the other way round.
    enqueue("curation.compute_agreement", project.pk, getattr(actor, "pk", None))
