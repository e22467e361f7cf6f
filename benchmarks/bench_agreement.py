"""Agreement at scale: BENCH_ROWS samples x 3 physician reviews x 10 criteria on PostgreSQL.

Figures, each beside a floor measured in the same run:
- the whole job (read, every statistic, consensus, store, settle) beside a raw COPY of the same
  review rows out of PostgreSQL (target: at most 2x);
- alpha for all criteria beside krippendorff.alpha(value_counts=...) on the same counts (>= 10x);
- Dawid-Skene beside crowd-kit's on the same data (>= 5x faster, posteriors within 1e-6);
- peak RSS of the job, measured in a child process (< 1.5 GB).
The data set is generated once with COPY and reused while its size matches.
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


LATE_SHARE = 0.01  # samples whose third review arrives between two scheduled runs
HELD = "bench_agreement_held_reviews"


def _reset(project) -> None:
    """As if the job never ran, with 1% of the samples still waiting for their third review.

    Those third reviews are kept aside in a table of their own and come back in `_arrive`, as
    submissions do between two scheduled runs; a later `_reset` puts back any still held.
    """
    import psycopg

    with psycopg.connect(dsn(), autocommit=True) as conn:
        if conn.execute("SELECT to_regclass(%s)", [HELD]).fetchone()[0]:
            conn.execute(
                f"INSERT INTO curation_review SELECT * FROM {HELD} h "  # noqa: S608
                "WHERE NOT EXISTS (SELECT 1 FROM curation_review r WHERE r.id = h.id)"
            )
            conn.execute(f"DROP TABLE {HELD}")
        conn.execute("DELETE FROM curation_consensuslabel WHERE project_id = %s", [project.pk])
        conn.execute("VACUUM ANALYZE curation_consensuslabel")
        conn.execute(
            "UPDATE curation_sample SET status = 'complete', reviews_done = 3, "
            "final_grades = NULL, final_verdict = '', final_answer = '', final_source = '', "
            "settled_at = NULL WHERE project_id = %s AND status <> 'complete'",
            [project.pk],
        )
        step = round(1 / LATE_SHARE)
        conn.execute(
            f"CREATE TABLE {HELD} AS SELECT r.* FROM curation_review r "  # noqa: S608
            "JOIN (SELECT sample_id, max(id) AS id FROM curation_review WHERE project_id = %s "
            "GROUP BY sample_id HAVING sample_id %% %s = 0) last ON last.id = r.id",
            [project.pk, step],
        )
        conn.execute(f"DELETE FROM curation_review WHERE id IN (SELECT id FROM {HELD})")  # noqa: S608
        conn.execute(
            f"UPDATE curation_sample SET status = 'open', reviews_done = 2 "  # noqa: S608
            f"WHERE id IN (SELECT sample_id FROM {HELD})"
        )
        conn.execute("VACUUM ANALYZE curation_sample")
        conn.execute("VACUUM ANALYZE curation_review")


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
        return done


def _copy_out_seconds(project) -> float:
    import psycopg

    with psycopg.connect(dsn()) as conn:
        started = time.perf_counter()
        size = 0
        with conn.cursor().copy(
            "COPY (SELECT sample_id, reviewer_id, grades, verdict, is_model, time_on_task_ms, "
            f"submitted_at FROM curation_review WHERE project_id = {int(project.pk)}) TO STDOUT"
        ) as copy:
            for chunk in copy:
                size += len(chunk)
        return time.perf_counter() - started


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

    copy_s = min(_copy_out_seconds(project) for _ in range(2))
    env = dict(os.environ)
    _reset(project)  # no consensus; 99% of samples complete, 1% waiting for a third review
    runs = {}
    rss = 0.0
    for name in ("first", "unchanged", "arrived"):
        if name == "arrived":
            runs["late"] = _arrive(project)
        peak, out = peak_rss_mb_of(["-c", CHILD, project.slug], env=env)
        runs[name] = json.loads(out.strip().splitlines()[-1])
        rss = max(rss, peak)
    print(f"   job runs: {json.dumps(runs)}", file=sys.stderr, flush=True)
    for name, label in (
        ("first", f"whole job, first run (settles or queues {runs['first']['decided']:,})"),
        ("unchanged", "whole job, re-run, no review changed"),
        ("arrived", f"whole job, re-run after {runs['late']:,} third reviews arrived"),
    ):
        seconds = runs[name]["seconds"]
        figures.append(
            Figure(
                "agreement",
                label,
                seconds,
                "s",
                "COPY reviews out",
                copy_s,
                "<= 2x",
                seconds <= 2 * copy_s,
            )
        )
    figures.append(
        Figure(
            "agreement",
            "job peak RSS (child process)",
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
        f"   COPY {copy_s:.2f} s; DS iterations {mine['r'].iterations}",
        file=sys.stderr,
        flush=True,
    )
    return figures
