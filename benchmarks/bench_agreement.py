"""Agreement at scale: BENCH_ROWS samples x 3 physician reviews x 10 criteria on PostgreSQL.

Floors, measured in the same run:
- the read floor: a binary COPY of exactly the rows the job's read asks for (`read.CODES_SQL`),
  the bytes received and dropped, nothing decoded; the text COPY of the jsonb grades used by
  earlier rounds is printed beside it;
- the label floor: a binary COPY into curation_consensuslabel of the very label rows the job
  wrote, into the table as the job found it.
Cases, each run REPEATS (3) times in a fresh process straight after a CHECKPOINT; median and
min-max: first run (<= 5x the read floor, label writes <= 1.5x the label floor); nothing changed
(<= 2x); 1% and 25% of samples get their third review after the previous run (<= 3x); the rubric
changed, a new version with one criterion more (<= 5x, label writes <= 1.5x). Peak RSS is each
job process's own (< 1.5 GB). Beside them: alpha against `krippendorff`, Dawid-Skene against
crowd-kit. The data set is generated once with COPY and reused while its size matches.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time

import numpy as np
from common import Figure, dsn, peak_rss_mb_of

N_PHYSICIANS = 60
REVIEWS_PER_SAMPLE = 3
CRITERIA = (
    [
        {"key": f"met_{i}", "label": f"Binary criterion {i}", "kind": "binary", "axis": "accuracy"}
        for i in range(4)
    ]
    + [
        {
            "key": f"scale_{i}",
            "label": f"Scale {i}",
            "kind": "ordinal",
            "min_value": 1,
            "max_value": 5,
            "axis": "completeness",
        }
        for i in range(3)
    ]
    + [
        {
            "key": f"choice_{i}",
            "label": f"Choice {i}",
            "kind": "nominal",
            "choices": ["emergent", "urgent", "routine"],
            "axis": "safety",
        }
        for i in range(2)
    ]
    + [
        {
            "key": "points_0",
            "label": "Advises care",
            "kind": "points",
            "points": 5,
            "axis": "safety",
            "allow_na": True,
        }
    ]
)
CHILD = """
import os, sys, time, json
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
import django
django.setup()
from curation.models import Project
from curation.agreement.services import agreement_compute
# A worker runs many jobs: what a job loads once per process (pyarrow, and the pandas it pulls
# in) is loaded before the clock starts, as the floors are measured in a warm process too.
import pyarrow, pyarrow.compute, pyarrow.csv, pandas
project = Project.objects.get(slug=sys.argv[1])
started = time.perf_counter()
report = agreement_compute(project=project)
print(json.dumps({"seconds": time.perf_counter() - started,
                  "decided": report.settled + report.sent_to_adjudication,
                  "reviews": report.inputs["reviews"], "phases": report.inputs["seconds"],
                  "written": report.inputs["consensus_rows_written"]}))
"""


def _project(rows: int):
    from django.contrib.auth import get_user_model

    from annotators.models import Physician
    from curation.models import Criterion, Project, Rubric

    slug = f"bench-agreement-{rows}"
    rubric, created = Rubric.objects.get_or_create(
        family="bench-agreement", version=1, defaults={"name": "Bench rubric"}
    )
    if created:
        for position, spec in enumerate(CRITERIA):
            Criterion.objects.create(rubric=rubric, position=position, **spec)
    project, _ = Project.objects.get_or_create(
        slug=slug, defaults={"name": f"Agreement bench {rows}", "rubric": rubric, "overlap": 3}
    )
    users = []
    for i in range(N_PHYSICIANS):
        user, made = get_user_model().objects.get_or_create(
            username=f"bench-physician-{i}@rounds.test",
            defaults={"email": f"bench-physician-{i}@rounds.test", "first_name": f"P{i}"},
        )
        if made:
            Physician.objects.create(user=user, status="active")
        users.append(user.pk)
    return project, np.array(users)


def _generate(project, users: np.ndarray, rows: int) -> None:
    """COPY rows samples and 3 reviews each with realistic, imperfect agreement."""
    import psycopg

    from curation.rubrics.codes import grade_codes_encode, rubric_items

    items = rubric_items(project.rubric_id)
    rng = np.random.default_rng(7)
    skill = rng.uniform(0.6, 0.95, len(users))
    with psycopg.connect(dsn()) as conn:
        conn.execute("DELETE FROM curation_consensuslabel WHERE project_id = %s", [project.pk])
        conn.execute("DELETE FROM curation_review WHERE project_id = %s", [project.pk])
        conn.execute("DELETE FROM curation_sample WHERE project_id = %s", [project.pk])
        with conn.cursor().copy(
            "COPY curation_sample (project_id, external_id, messages, reasoning, answer, images, "
            "metadata, content_hash, status, slots_open, reviews_done, is_gold, quarantined, "
            "quarantine_reasons, final_verdict, final_answer, final_source, created_at, "
            "updated_at) FROM STDIN"
        ) as copy:
            messages = json.dumps([{"role": "user", "content": "Is this chest pain serious?"}])
            for start in range(0, rows, 100_000):
                block = io.StringIO()
                for i in range(start, min(rows, start + 100_000)):
                    block.write(
                        f"{project.pk}\tb{i}\t{messages}\t\tSee a doctor.\t[]\t{{}}\th{i}\t"
                        "complete\t0\t3\tf\tf\t[]\t\t\t\tnow()\tnow()\n"
                    )
                copy.write(block.getvalue().replace("now()", "2026-01-01 00:00:00+00"))
        ids = np.array(
            [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM curation_sample WHERE project_id = %s ORDER BY id", [project.pk]
                )
            ]
        )
        kinds = [c["kind"] for c in CRITERIA]
        sizes = [2 if k in ("binary", "points") else 5 if k == "ordinal" else 3 for k in kinds]
        with conn.cursor().copy(
            "COPY curation_review (project_id, sample_id, reviewer_id, rubric_id, grades, verdict, "
            "corrected_answer, original_answer, rationale, flags, is_model, source, client_key, "
            "external_ref, time_on_task_ms, revision, submitted_at, updated_at, grade_codes) "
            "FROM STDIN"
        ) as copy:
            for start in range(0, rows, 50_000):
                stop = min(rows, start + 50_000)
                n = stop - start
                raters = np.argsort(rng.random((n, len(users))), axis=1)[:, :REVIEWS_PER_SAMPLE]
                truth = np.stack([rng.integers(0, s, n) for s in sizes], axis=1)
                verdict_truth = rng.choice(3, n, p=[0.7, 0.2, 0.1])
                block = io.StringIO()
                for j in range(REVIEWS_PER_SAMPLE):
                    who = raters[:, j]
                    right = rng.random((n, len(sizes))) < skill[who][:, None]
                    noise = np.stack([rng.integers(0, s, n) for s in sizes], axis=1)
                    codes = np.where(right, truth, noise)
                    verdict = np.where(
                        rng.random(n) < skill[who], verdict_truth, rng.integers(0, 3, n)
                    )
                    times = rng.integers(20_000, 400_000, n)
                    days = rng.integers(1, 28, n)
                    # What Review.save() stores beside the grades (checked against it below).
                    stored = np.concatenate([codes, verdict[:, None]], axis=1).astype("<i2")
                    hexes = stored.tobytes().hex()
                    width = stored.shape[1] * 4
                    for i in range(n):
                        g = {}
                        for c, spec in enumerate(CRITERIA):
                            code = int(codes[i, c])
                            if spec["kind"] in ("binary", "points"):
                                g[spec["key"]] = bool(code)
                            elif spec["kind"] == "ordinal":
                                g[spec["key"]] = code + 1
                            else:
                                g[spec["key"]] = spec["choices"][code]
                        v = ("accept", "revise", "reject")[verdict[i]]
                        block.write(
                            f"{project.pk}\t{ids[start + i]}\t{users[who[i]]}\t"
                            f"{project.rubric_id}\t{json.dumps(g)}\t{v}\t"
                            f"{'Corrected answer.' if v == 'revise' else ''}\tSee a doctor.\t"
                            f"{'' if v == 'accept' else 'Because.'}\t[]\tf\timport\t\t\t"
                            f"{times[i]}\t1\t2026-01-{days[i]:02d} 10:00:00+00\t"
                            "2026-01-01 00:00:00+00\t"
                            f"\\\\x{hexes[i * width : (i + 1) * width]}\n"
                        )
                        if i < 50:
                            assert bytes.fromhex(
                                hexes[i * width : (i + 1) * width]
                            ) == grade_codes_encode(items, g, v)
                copy.write(block.getvalue())
        conn.execute("ANALYZE curation_review")
        conn.execute("ANALYZE curation_sample")
        conn.commit()


def _ensure(rows: int):
    from curation.models import Review

    project, users = _project(rows)
    have = Review.objects.filter(project=project, grade_codes__isnull=False).count()
    if have != rows * REVIEWS_PER_SAMPLE:
        started = time.perf_counter()
        _generate(project, users, rows)
        print(f"   generated {rows:,} samples in {time.perf_counter() - started:.1f} s", flush=True)
    return project


HELD = "bench_agreement_held_reviews"
REPEATS = int(os.environ.get("BENCH_REPEAT", "3"))
EXTRA = {
    "key": "cites_source",
    "label": "Cites a source",
    "kind": "binary",
    "axis": "accuracy",
}


def _sql(statements: list[tuple], autocommit: bool = True) -> None:
    import psycopg

    with psycopg.connect(dsn(), autocommit=autocommit) as conn:
        for statement in statements:
            conn.execute(*statement) if isinstance(statement, tuple) else conn.execute(statement)


def _checkpoint() -> None:
    _sql(["CHECKPOINT"])


def _restore_held(conn) -> None:
    if conn.execute("SELECT to_regclass(%s)", [HELD]).fetchone()[0]:
        conn.execute(
            f"INSERT INTO curation_review SELECT * FROM {HELD} h "  # noqa: S608
            "WHERE NOT EXISTS (SELECT 1 FROM curation_review r WHERE r.id = h.id)"
        )
        conn.execute(
            f"UPDATE curation_sample SET status = 'complete', reviews_done = 3 "  # noqa: S608
            f"WHERE id IN (SELECT sample_id FROM {HELD}) AND status = 'open'"
        )
        conn.execute(f"DROP TABLE {HELD}")


def _reset(project) -> None:
    """As if the job never ran: no consensus label, every sample complete with its 3 reviews."""
    import psycopg

    with psycopg.connect(dsn(), autocommit=True) as conn:
        _restore_held(conn)
        conn.execute("DELETE FROM curation_consensuslabel WHERE project_id = %s", [project.pk])
        conn.execute(
            "UPDATE curation_sample SET status = 'complete', reviews_done = 3, "
            "final_grades = NULL, final_verdict = '', final_answer = '', final_source = '', "
            "settled_at = NULL WHERE project_id = %s AND status <> 'complete'",
            [project.pk],
        )
        for table in ("curation_consensuslabel", "curation_sample", "curation_review"):
            conn.execute(f"VACUUM ANALYZE {table}")


def _hold(project, step: int, offset: int) -> int:
    """One sample in `step` loses its last review and is open again, as before the day's work.

    The held reviews wait in a table of their own; `_arrive` brings them back as submissions.
    """
    import psycopg

    with psycopg.connect(dsn(), autocommit=True) as conn:
        _restore_held(conn)
        conn.execute(
            f"CREATE TABLE {HELD} AS SELECT r.* FROM curation_review r "  # noqa: S608
            "JOIN (SELECT sample_id, max(id) AS id FROM curation_review WHERE project_id = %s "
            "GROUP BY sample_id HAVING sample_id %% %s = %s) last ON last.id = r.id",
            [project.pk, step, offset % step],
        )
        conn.execute(f"DELETE FROM curation_review WHERE id IN (SELECT id FROM {HELD})")  # noqa: S608
        held = conn.execute(
            "UPDATE curation_sample SET status = 'open', reviews_done = 2, final_grades = NULL, "
            "final_verdict = '', final_answer = '', final_source = '', settled_at = NULL "
            f"WHERE id IN (SELECT sample_id FROM {HELD})"  # noqa: S608
        ).rowcount
        conn.execute("VACUUM ANALYZE curation_sample")
        conn.execute("VACUUM ANALYZE curation_review")
        return held


def _arrive(project) -> int:
    """The held third reviews come in: their samples are complete, as after a submit."""
    import psycopg

    with psycopg.connect(dsn(), autocommit=True) as conn:
        conn.execute(f"INSERT INTO curation_review SELECT * FROM {HELD}")  # noqa: S608
        done = conn.execute(
            f"UPDATE curation_sample SET status = 'complete', reviews_done = 3 "  # noqa: S608
            f"WHERE id IN (SELECT sample_id FROM {HELD})"
        ).rowcount
        conn.execute(f"DROP TABLE {HELD}")
        conn.execute("ANALYZE curation_review")
        conn.execute("ANALYZE curation_sample")
        return done


def _rubric_v2(project):
    """The next version of the bench rubric: the same criteria and one more (a binary)."""
    from curation.models import Criterion, Rubric

    v1 = project.rubric
    v2, created = Rubric.objects.get_or_create(
        family=v1.family, version=v1.version + 1, defaults={"name": "Bench rubric, v2"}
    )
    if created:
        for position, spec in enumerate([*CRITERIA, EXTRA]):
            Criterion.objects.create(rubric=v2, position=position, **spec)
    return v1, v2


def _switch_rubric(project, old, new, add: bool) -> None:
    """Point the project and its reviews at `new`; `add` puts the new criterion's code in.

    The job reads the reviews of the project's current rubric version, so "the rubric changed"
    is measured as every review graded on the new version: every label's decision changes shape.
    """
    width = 2 * len(CRITERIA)
    codes = (
        f"substring(grade_codes from 1 for {width}) || "
        "(CASE WHEN id %% 2 = 0 THEN '\\x0100' ELSE '\\x0000' END)::bytea || "
        f"substring(grade_codes from {width + 1} for 2)"
        if add
        else f"substring(grade_codes from 1 for {width}) || substring(grade_codes from {width + 3})"
    )
    _sql(
        [
            (
                f"UPDATE curation_review SET rubric_id = %s, grade_codes = {codes} "  # noqa: S608
                "WHERE project_id = %s AND rubric_id = %s",
                [new.pk, project.pk, old.pk],
            ),
            ("UPDATE curation_project SET rubric_id = %s WHERE id = %s", [new.pk, project.pk]),
            "VACUUM ANALYZE curation_review",
        ]
    )
    project.rubric = new


def _read_floor_binary(project) -> float:
    """A binary COPY of exactly the rows the job's read asks for, bytes received and dropped."""
    from django.db import connection

    from core.pgcopy import _copy_chunks
    from curation.agreement.read import CODES_SQL
    from curation.rubrics.codes import grade_codes_width, rubric_items

    width = grade_codes_width(rubric_items(project.rubric_id))
    params = {
        "width": width,
        "filler": b"\xff" * width,
        "project": project.pk,
        "rubric": project.rubric_id,
    }
    started = time.perf_counter()
    size = 0
    for chunk in _copy_chunks(CODES_SQL, params, 32 * 1024 * 1024):
        size += len(chunk)
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def _read_floor_text(project) -> float:
    """The floor of earlier rounds: a text COPY of the jsonb grades and timestamps."""
    import psycopg

    with psycopg.connect(dsn()) as conn:
        started = time.perf_counter()
        with conn.cursor().copy(
            "COPY (SELECT sample_id, reviewer_id, grades, verdict, is_model, time_on_task_ms, "
            f"submitted_at FROM curation_review WHERE project_id = {int(project.pk)}) TO STDOUT"
        ) as copy:
            for _chunk in copy:
                pass
        return time.perf_counter() - started


def _label_copy_floor(project) -> tuple[float, int]:
    """COPY the project's stored labels back into curation_consensuslabel (binary), timed.

    The rows are the ones the job wrote; they are read out, deleted (committed and vacuumed, so
    the table is as the job found it on a first run), and COPYed in again: the state afterwards
    is the state before.
    """
    import psycopg

    columns = (
        "sample_id, project_id, report_id, grades, confidence, verdict, verdict_confidence, "
        "min_confidence, n_reviews, answer_from_id, digest"
    )
    with psycopg.connect(dsn(), autocommit=True) as conn:
        data = bytearray()
        with conn.cursor().copy(
            f"COPY (SELECT {columns} FROM curation_consensuslabel "  # noqa: S608
            f"WHERE project_id = {int(project.pk)}) TO STDOUT (FORMAT binary)"
        ) as copy:
            for chunk in copy:
                data += chunk
        count = conn.execute(
            "DELETE FROM curation_consensuslabel WHERE project_id = %s", [project.pk]
        ).rowcount
        conn.execute("VACUUM ANALYZE curation_consensuslabel")
        conn.execute("CHECKPOINT")
        with conn.transaction():
            started = time.perf_counter()
            with conn.cursor().copy(
                f"COPY curation_consensuslabel ({columns}) FROM STDIN (FORMAT binary)"
            ) as copy:
                view = memoryview(data)
                for start in range(0, len(view), 1 << 20):
                    copy.write(view[start : start + (1 << 20)])
        seconds = time.perf_counter() - started
    return seconds, count


def _job(project) -> tuple[dict, float]:
    """One run of the job in a fresh process: its report figures and its own peak RSS."""
    peak, out = peak_rss_mb_of(["-c", CHILD, project.slug], env=dict(os.environ))
    return json.loads(out.strip().splitlines()[-1]), peak


def _spread(values: list[float]) -> str:
    return f"median of {len(values)}, {min(values):.2f}-{max(values):.2f}"


def _cases(project, rows: int) -> tuple[dict, float]:
    """Every case REPEATS times, each run straight after a CHECKPOINT. Returns runs and RSS."""
    runs: dict[str, list[dict]] = {}
    rss = 0.0

    def measured(name: str) -> None:
        nonlocal rss
        _checkpoint()
        result, peak = _job(project)
        rss = max(rss, peak)
        runs.setdefault(name, []).append(result)

    for _ in range(REPEATS):
        _reset(project)
        measured("first")
    floor, labels = _label_copy_floor(project)
    runs["label_copy"] = [{"seconds": floor, "rows": labels}]
    for _ in range(REPEATS):
        measured("unchanged")
    for name, step in (("arrived_1", 100), ("arrived_25", 4)):
        for r in range(REPEATS):
            held = _hold(project, step, r)
            _job(project)  # the scheduled run before the reviews came in (not measured)
            runs.setdefault(f"{name}_held", []).append({"seconds": 0.0, "held": held})
            _arrive(project)
            measured(name)
    v1, v2 = _rubric_v2(project)
    for _ in range(REPEATS):
        _switch_rubric(project, v1, v2, add=True)
        measured("rubric")
        _switch_rubric(project, v2, v1, add=False)
        _job(project)  # back on v1, labels as before the change (not measured)
    return runs, rss


def _time(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def run(rows: int) -> list[Figure]:
    import krippendorff
    import pandas as pd
    from crowdkit.aggregation import DawidSkene

    from curation.agreement.read import read_postgres
    from curation.agreement.services import _dataset, _items
    from curation.agreement.stats.alpha import alpha
    from curation.agreement.stats.dawid_skene import dawid_skene
    from curation.agreement.stats.matrix import Ratings, value_counts

    project = _ensure(rows)
    figures: list[Figure] = []

    binary, text = [], []
    for _ in range(REPEATS):
        _checkpoint()
        binary.append(_read_floor_binary(project))
        _checkpoint()
        text.append(_read_floor_text(project))
    floor = float(np.median(binary))
    figures.append(
        Figure(
            "agreement",
            f"read floor, binary COPY of the job's rows ({_spread(binary)})",
            floor,
            "s",
        )
    )
    figures.append(
        Figure(
            "agreement",
            f"old floor, text COPY of jsonb grades ({_spread(text)})",
            float(np.median(text)),
            "s",
            "binary floor",
            floor,
        )
    )
    runs, rss = _cases(project, rows)
    print(f"   job runs: {json.dumps(runs)}", file=sys.stderr, flush=True)
    held = {k: runs[f"{k}_held"][0]["held"] for k in ("arrived_1", "arrived_25")}
    cases = (
        ("first", "first run", 5),
        ("unchanged", "nothing changed", 2),
        ("arrived_1", f"{held['arrived_1']:,} third reviews arrived (1%)", 3),
        ("arrived_25", f"{held['arrived_25']:,} third reviews arrived (25%)", 3),
        ("rubric", "rubric changed (v2, one criterion added)", 5),
    )
    for name, label, limit in cases:
        seconds = [r["seconds"] for r in runs[name]]
        value = float(np.median(seconds))
        phases = {
            k: float(np.median([r["phases"][k] for r in runs[name]]))
            for k in runs[name][0]["phases"]
        }
        print(f"   {name}: phases (median) {json.dumps(phases)}", file=sys.stderr, flush=True)
        figures.append(
            Figure(
                "agreement",
                f"job, {label} ({_spread(seconds)})",
                value,
                "s",
                "binary read floor",
                floor,
                f"<= {limit}x",
                value <= limit * floor,
            )
        )
    label_floor = runs["label_copy"][0]["seconds"]
    for name in ("first", "rubric"):
        store = [r["phases"]["store"] for r in runs[name]]
        value = float(np.median(store))
        written = runs[name][0]["written"]
        figures.append(
            Figure(
                "agreement",
                f"label writes, {name} ({written:,} rows; {_spread(store)})",
                value,
                "s",
                f"COPY {runs['label_copy'][0]['rows']:,} labels in",
                label_floor,
                "<= 1.5x",
                value <= 1.5 * label_floor,
            )
        )
    figures.append(
        Figure(
            "agreement",
            "job peak RSS (largest of the measured runs, each its own process)",
            rss,
            "MB",
            target="< 1536",
            ok=rss < 1536,
        )
    )

    items = _items(project)
    dataset, _, _ = _dataset(project, items, read_postgres(project, items), "dawid_skene")
    counts, levels = [], []
    for col, item in enumerate(items):
        ratings = Ratings(
            dataset.sample,
            dataset.rater,
            dataset.codes[:, col],
            dataset.n_samples,
            len(item.categories),
        )
        counts.append(value_counts(ratings))
        levels.append(item.levels[0])

    def ours():
        return [alpha(c, lv) for c, lv in zip(counts, levels, strict=True)]

    def theirs():
        return [
            krippendorff.alpha(value_counts=c, level_of_measurement=lv)
            for c, lv in zip(counts, levels, strict=True)
        ]

    assert np.allclose(ours(), theirs(), atol=1e-9)
    ours_s = _time(ours)
    theirs_s = _time(theirs, repeat=1)
    figures.append(
        Figure(
            "agreement",
            f"alpha, all {len(items)} items",
            ours_s * 1000,
            "ms",
            "krippendorff.alpha",
            theirs_s * 1000,
            ">= 10x faster",
            theirs_s >= 10 * ours_s,
        )
    )

    col = next(i for i, it in enumerate(items) if it.kind == "nominal")
    ratings = Ratings(dataset.sample, dataset.rater, dataset.codes[:, col], dataset.n_samples, 3)
    frame = pd.DataFrame({"task": ratings.items, "worker": ratings.raters, "label": ratings.codes})
    mine = {}

    def ds_ours():
        mine["r"] = dawid_skene(ratings)

    ds_s = _time(ds_ours, repeat=2)
    started = time.perf_counter()
    ck = DawidSkene(n_iter=100).fit(frame)
    ck_s = time.perf_counter() - started
    probas = ck.probas_.sort_index()
    diff = float(
        np.abs(
            mine["r"].posteriors[probas.index.to_numpy()][:, probas.columns.to_numpy()]
            - probas.to_numpy()
        ).max()
    )
    figures.append(
        Figure(
            "agreement",
            f"Dawid-Skene ({len(frame):,} ratings)",
            ds_s * 1000,
            "ms",
            "crowd-kit DawidSkene",
            ck_s * 1000,
            ">= 5x faster, same posteriors",
            ck_s >= 5 * ds_s and diff < 1e-6,
        )
    )
    figures.append(
        Figure(
            "agreement",
            "Dawid-Skene max |posterior - crowd-kit|",
            diff,
            "",
            target="< 1e-6",
            ok=diff < 1e-6,
        )
    )
    print(
        f"   DS iterations {mine['r'].iterations}",
        file=sys.stderr,
        flush=True,
    )
    return figures
