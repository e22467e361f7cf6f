"""The agreement job: read every review of a project, compute the report, store consensus, settle.

Reads stream out of PostgreSQL with one `COPY (SELECT ...)` whose grades are already turned into
small integer codes by the database, parsed in blocks by pyarrow; other databases fall back to a
chunked `.iterator()`. Nothing is written until the end, in one transaction, so a run that dies
midway leaves the previous report and consensus in place. A session advisory lock per project
keeps two runs of one project apart (the second is refused as already running).
"""

from __future__ import annotations

import io
import logging
import time
from contextlib import contextmanager

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from annotators.models import CohortMembership, Specialty
from core.audit import audit_record
from core.errors import Conflict

from ..agreement.consensus import METHODS
from ..agreement.report import Dataset, Item, Outcome, build
from ..grading import VERDICTS
from ..models import AgreementReport, Criterion, Project, Review, Sample

log = logging.getLogger(__name__)

LOCK_NAMESPACE = 0x524E4441  # "RNDA": advisory-lock namespace of agreement runs
BLOCK_BYTES = 32 * 1024 * 1024


def _items(project: Project) -> list[Item]:
    items = []
    for c in Criterion.objects.filter(rubric_id=project.rubric_id).order_by("position"):
        items.append(Item(c.key, c.label, c.kind, c.categories(), c.axis))
    items.append(Item("verdict", "Verdict", "verdict", list(VERDICTS)))
    return items


def _code_sql(item: Item) -> tuple[str, list]:
    """SQL turning one grade into its category code (NULL when missing or not applicable)."""
    if item.kind == "verdict":
        return "array_position(%s::text[], r.verdict) - 1", [list(VERDICTS)]
    if item.kind in ("binary", "points"):
        return (
            "CASE r.grades -> %s WHEN 'true'::jsonb THEN 1 WHEN 'false'::jsonb THEN 0 END",
            [item.key],
        )
    if item.kind == "ordinal":
        return (
            "CASE WHEN jsonb_typeof(r.grades -> %s) = 'number' "
            "THEN (r.grades ->> %s)::numeric::int - %s END",
            [item.key, item.key, int(item.categories[0])],
        )
    return "array_position(%s::text[], r.grades ->> %s) - 1", [
        [str(v) for v in item.categories],
        item.key,
    ]


def _read_postgres(project: Project, items: list[Item]) -> dict[str, np.ndarray]:
    import pyarrow as pa
    from pyarrow import csv

    columns, params = [], []
    for item in items:
        expr, p = _code_sql(item)
        columns.append(expr)
        params.extend(p)
    # Fixed fragments only; every value is a bound parameter.
    query = " ".join(
        [
            "SELECT r.sample_id, r.reviewer_id, r.is_model::int,",
            "COALESCE(r.time_on_task_ms, -1), (extract(epoch FROM r.submitted_at) / 86400)::int,",
            ", ".join(columns),
            "FROM curation_review r WHERE r.project_id = %s AND r.rubric_id = %s",
        ]
    )
    params.extend([project.pk, project.rubric_id])
    names = ["sample", "reviewer", "is_model", "time_ms", "day"] + [
        f"c{i}" for i in range(len(items))
    ]
    types = {n: pa.int64() for n in names[:2]} | {n: pa.int32() for n in names[2:]}
    convert = csv.ConvertOptions(column_types=types)
    read = csv.ReadOptions(column_names=names)
    parts: dict[str, list[np.ndarray]] = {n: [] for n in names}

    # The system allocator hands freed blocks back to the OS; arrow's pool would keep them.
    pool = pa.system_memory_pool()

    def parse(block: bytes) -> None:
        table = csv.read_csv(
            io.BytesIO(block), read_options=read, convert_options=convert, memory_pool=pool
        )
        for n in names:
            column = table.column(n)
            if column.null_count:
                values = column.to_numpy(zero_copy_only=False)  # float, NaN where null
                parts[n].append(np.where(np.isnan(values), -1, values).astype(np.int32))
            else:
                parts[n].append(np.array(column.to_numpy(), copy=True))  # frees the table

    with connection.cursor() as cursor:
        sql = cursor.mogrify(query, params)
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        pending = bytearray()
        with raw.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
            for chunk in copy:
                pending += chunk
                if len(pending) >= BLOCK_BYTES:
                    cut = pending.rfind(b"\n") + 1
                    parse(bytes(pending[:cut]))
                    del pending[:cut]
        if pending:
            parse(bytes(pending))
    return {n: np.concatenate(v) if v else np.zeros(0, dtype=np.int64) for n, v in parts.items()}


def _code(item: Item, value) -> int:
    if value is None:
        return -1
    if item.kind in ("binary", "points"):
        return int(value) if isinstance(value, bool) else -1
    try:
        return item.categories.index(value)
    except ValueError:
        return -1


def _read_portable(project: Project, items: list[Item]) -> dict[str, np.ndarray]:
    """The same arrays, for databases without COPY (the SQLite demo)."""
    rows = (
        Review.objects.filter(project=project, rubric_id=project.rubric_id)
        .values_list(
            "sample_id",
            "reviewer_id",
            "is_model",
            "time_on_task_ms",
            "submitted_at",
            "grades",
            "verdict",
        )
        .iterator(chunk_size=5000)
    )
    out: dict[str, list] = {n: [] for n in ("sample", "reviewer", "is_model", "time_ms", "day")}
    codes: list[list[int]] = []
    for sample, reviewer, is_model, ms, at, grades, verdict in rows:
        out["sample"].append(sample)
        out["reviewer"].append(reviewer)
        out["is_model"].append(int(is_model))
        out["time_ms"].append(-1 if ms is None else ms)
        out["day"].append(int(at.timestamp() // 86400))
        codes.append(
            [
                _code(it, verdict if it.kind == "verdict" else (grades or {}).get(it.key))
                for it in items
            ]
        )
    arrays = {n: np.asarray(v, dtype=np.int64) for n, v in out.items()}
    matrix = np.asarray(codes, dtype=np.int64).reshape(-1, len(items))
    for i in range(len(items)):
        arrays[f"c{i}"] = matrix[:, i]
    return arrays


def _dataset(project: Project, items: list[Item], raw: dict, method: str) -> tuple:
    sample_ids, sample_index = np.unique(raw["sample"], return_inverse=True)
    reviewer_ids, rater_index = np.unique(raw["reviewer"], return_inverse=True)
    order = np.lexsort((rater_index, sample_index))
    codes = np.empty((len(order), len(items)), dtype=np.int32)
    for i in range(len(items)):
        codes[:, i] = raw.pop(f"c{i}")[order]
    for i, item in enumerate(items):
        bad = codes[:, i] >= len(item.categories)
        codes[bad, i] = -1
    time_ms = raw["time_ms"][order].astype(float)
    time_ms[time_ms < 0] = np.nan

    specialty_of = (
        dict(
            Sample.objects.filter(project=project, specialty__isnull=False)
            .values_list("id", "specialty_id")
            .iterator(chunk_size=20000)
        )
        if len(sample_ids)
        else {}
    )
    specialties = dict(Specialty.objects.values_list("id", "name"))
    used = sorted({s for s in specialty_of.values()})
    spec_pos = {s: i for i, s in enumerate(used)}
    sample_specialty = (
        np.array([spec_pos.get(specialty_of.get(int(s)), -1) for s in sample_ids], dtype=np.int64)
        if len(sample_ids) < 2_000_000
        else np.full(len(sample_ids), -1)
    )

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
                    gold[pos, i] = _code(item, value)

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
        sample_specialty=sample_specialty,
        specialties=[specialties[s] for s in used],
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
    method = method or getattr(settings, "AGREEMENT_CONSENSUS_METHOD", "dawid_skene")
    if method not in METHODS:
        raise Conflict(
            f"Unknown consensus method {method!r}; use one of {', '.join(METHODS)}.",
            field="method",
            code="invalid",
        )
    with _project_lock(project):
        stale = AgreementReport.objects.filter(project=project, status="running")
        stale.update(
            status="failed",
            error="Interrupted: the run stopped before finishing.",
            finished_at=timezone.now(),
        )
        report = AgreementReport.objects.create(
            project=project,
            method=method,
            requested_by=actor if getattr(actor, "pk", None) else None,
        )
        started = time.monotonic()
        try:
            items = _items(project)
            read = _read_postgres if connection.vendor == "postgresql" else _read_portable
            raw = read(project, items)
            if fail_after_read:
                raise RuntimeError("stopped midway (test)")
            dataset, sample_ids, reviewer_ids = _dataset(project, items, raw, method)
            del raw
            outcome = build(dataset)
            _label_tables(outcome, reviewer_ids)
            return _finish(
                project, report, items, dataset, outcome, sample_ids, reviewer_ids, started, actor
            )
        except Exception as exc:
            _mark_failed(report, exc)
            raise


def _finish(project, report, items, dataset, outcome, sample_ids, reviewer_ids, started, actor):
    reviews = int((~dataset.is_model).sum())
    inputs = {
        "reviews": reviews,
        "model_reviews": int(dataset.is_model.sum()),
        "samples": int(dataset.n_samples),
        "samples_multi_rated": int((outcome.physician_reviews >= 2).sum()),
        "samples_single_rated_left_out": int((outcome.physician_reviews == 1).sum()),
        "physicians": len(outcome.physicians),
        "model_graders": len(outcome.model_graders),
        "criteria": [i.key for i in items if i.kind != "verdict"],
        "overlap": project.overlap,
        "consensus_threshold": project.consensus_threshold,
        "method": report.method,
        "note": "Items rated by a single physician are left out of every agreement figure; "
        "model graders never count toward agreement, consensus or settling.",
    }
    with transaction.atomic():
        consensus_store(
            project=project,
            report=report,
            items=items,
            outcome=outcome,
            sample_ids=sample_ids,
            reviewer_ids=reviewer_ids,
        )
        settled, adjudication = samples_settle(project=project, report=report)
        inputs["settled_this_run"] = settled
        inputs["sent_to_adjudication_this_run"] = adjudication
        now = timezone.now()
        AgreementReport.objects.filter(pk=report.pk).update(
            status="done",
            finished_at=now,
            duration_ms=int((time.monotonic() - started) * 1000),
            inputs=inputs,
            figures=outcome.figures,
            physicians=outcome.physicians,
            model_graders=outcome.model_graders,
            settled=settled,
            sent_to_adjudication=adjudication,
        )
        audit_record(
            actor=actor,
            action="agreement.computed",
            obj=report,
            after={
                "report": report.pk,
                "settled": settled,
                "adjudication": adjudication,
                "reviews": reviews,
            },
        )
    report.refresh_from_db()
    log.info(
        "agreement %s: %s reviews, %s settled, %s to adjudication",
        project.slug,
        reviews,
        settled,
        adjudication,
    )
    return report


def _stage_columns(items: list[Item]) -> tuple[list[str], list[str]]:
    return [f"c{i}" for i in range(len(items))], [f"f{i}" for i in range(len(items))]


def consensus_store(*, project, report, items, outcome, sample_ids, reviewer_ids) -> int:
    """Replace the project's consensus labels with this run's (inside the caller's transaction)."""
    from ..models import ConsensusLabel

    rated = np.flatnonzero(outcome.physician_reviews > 0)
    values = outcome.consensus_values[rated]
    conf = np.nan_to_num(outcome.consensus_confidence[rated], nan=0.0).round(6)
    answer = outcome.answer_from[rated]
    answer_user = np.where(answer >= 0, reviewer_ids[np.maximum(answer, 0)], -1)
    ConsensusLabel.objects.filter(project=project).delete()
    if connection.vendor != "postgresql":
        objs = []
        for row, pos in enumerate(rated):
            grades = {
                it.key: (None if values[row, i] < 0 else it.categories[values[row, i]])
                for i, it in enumerate(items)
                if it.kind != "verdict"
            }
            confidence = {it.key: float(conf[row, i]) for i, it in enumerate(items)}
            verdict = values[row, -1]
            objs.append(
                ConsensusLabel(
                    sample_id=int(sample_ids[pos]),
                    project=project,
                    report=report,
                    grades=grades,
                    confidence=confidence,
                    verdict="" if verdict < 0 else items[-1].categories[verdict],
                    verdict_confidence=float(conf[row, -1]),
                    min_confidence=float(conf[row].min()),
                    n_reviews=int(outcome.physician_reviews[pos]),
                    answer_from_id=None if answer_user[row] < 0 else int(answer_user[row]),
                )
            )
        ConsensusLabel.objects.bulk_create(objs, batch_size=2000)
        return len(objs)
    return _store_postgres(
        project, report, items, rated, values, conf, answer_user, sample_ids, outcome
    )


def _store_postgres(
    project, report, items, rated, values, conf, answer_user, sample_ids, outcome
) -> int:
    import json

    import pyarrow as pa
    from pyarrow import csv

    codes, confs = _stage_columns(items)
    arrays = {
        "sample_id": pa.array(sample_ids[rated]),
        "n": pa.array(outcome.physician_reviews[rated]),
        "answer_from": pa.array(answer_user, mask=answer_user < 0),
        "min_conf": pa.array(conf.min(axis=1)),
    }
    for i in range(len(items)):
        arrays[codes[i]] = pa.array(values[:, i])
    for i in range(len(items)):
        arrays[confs[i]] = pa.array(conf[:, i])
    buffer = io.BytesIO()
    csv.write_csv(pa.table(arrays), buffer, csv.WriteOptions(include_header=False))
    definitions = ", ".join(
        ["sample_id bigint", "n int", "answer_from bigint", "min_conf float8"]
        + [f"{c} int" for c in codes]
        + [f"{f} float8" for f in confs]
    )
    grades_sql, params = [], []
    for i, item in enumerate(items):
        if item.kind == "verdict":
            continue
        grades_sql.append(f"%s, CASE WHEN s.{codes[i]} >= 0 THEN %s::jsonb -> s.{codes[i]} END")
        params.extend([item.key, json.dumps(item.categories)])
    conf_sql = []
    for i, item in enumerate(items):
        conf_sql.append(f"%s, s.{confs[i]}")
        params.append(item.key)
    verdict = codes[-1]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE agreement_stage ({definitions}) ON COMMIT DROP")
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        with raw.copy("COPY agreement_stage FROM STDIN WITH (FORMAT csv)") as copy:
            view = buffer.getbuffer()
            for start in range(0, len(view), BLOCK_BYTES):
                copy.write(view[start : start + BLOCK_BYTES])
        # Fixed fragments only; every value is a bound parameter.
        insert = " ".join(
            [
                "INSERT INTO curation_consensuslabel (sample_id, project_id, report_id, grades,",
                "confidence, verdict, verdict_confidence, min_confidence, n_reviews,",
                "answer_from_id) SELECT s.sample_id, %s, %s,",
                f"jsonb_build_object({', '.join(grades_sql)}),",
                f"jsonb_build_object({', '.join(conf_sql)}),",
                f"COALESCE((%s::text[])[s.{verdict} + 1], ''), s.{confs[-1]}, s.min_conf, s.n,",
                "s.answer_from FROM agreement_stage s",
            ]
        )
        cursor.execute(insert, [project.pk, report.pk, *params, list(VERDICTS)])
        cursor.execute("DROP TABLE agreement_stage")
    return len(rated)


SETTLE_SQL = """
UPDATE curation_sample SET
    status = 'settled',
    final_grades = c.grades,
    final_verdict = c.verdict,
    final_answer = CASE c.verdict
        WHEN 'accept' THEN curation_sample.answer
        WHEN 'revise' THEN COALESCE((
            SELECT r.corrected_answer FROM curation_review r
            WHERE r.sample_id = curation_sample.id AND r.reviewer_id = c.answer_from_id), '')
        ELSE '' END,
    final_source = 'consensus',
    settled_at = %s,
    updated_at = %s
FROM curation_consensuslabel c
WHERE c.sample_id = curation_sample.id AND c.report_id = %s
  AND curation_sample.project_id = %s AND curation_sample.status = 'complete'
  AND NOT curation_sample.quarantined AND c.n_reviews >= %s AND c.min_confidence >= %s
"""

QUEUE_SQL = """
UPDATE curation_sample SET status = 'adjudication', updated_at = %s
FROM curation_consensuslabel c
WHERE c.sample_id = curation_sample.id AND c.report_id = %s
  AND curation_sample.project_id = %s AND curation_sample.status = 'complete'
  AND NOT curation_sample.quarantined AND c.n_reviews >= %s
"""


def samples_settle(*, project: Project, report: AgreementReport) -> tuple[int, int]:
    """Complete samples whose consensus is confident enough settle; the rest go to a lead.

    Guarded on status "complete", so a re-run never touches what is settled or adjudicated.
    """
    now = timezone.now()
    threshold = float(project.consensus_threshold) - 1e-9
    with connection.cursor() as cursor:
        cursor.execute(SETTLE_SQL, [now, now, report.pk, project.pk, project.overlap, threshold])
        settled = cursor.rowcount
        cursor.execute(QUEUE_SQL, [now, report.pk, project.pk, project.overlap])
        queued = cursor.rowcount
    return settled, queued


@transaction.atomic
def agreement_request(*, project: Project, actor) -> None:
    """Queue a run of the agreement job once this transaction commits (never in the request)."""
    from core.outbox import enqueue

    from ..tasks_agreement import compute_agreement

    audit_record(actor=actor, action="agreement.requested", obj=project)
    enqueue(compute_agreement, project.pk, getattr(actor, "pk", None))
