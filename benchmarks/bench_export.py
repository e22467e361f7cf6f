"""Building exports from PostgreSQL: rows/s beside a COPY of the same rows, peak RSS, and no
temporary files spilled by the server.

Samples go in with COPY (settled: 70% accepted, 20% revised with a consensus correction, 10%
rejected; answers and corrections about 4 KB), three physician reviews each and a consensus
label each (confidence 0.50-0.99) with INSERT ... SELECT. Three specs: sft (the default),
graded with a confidence filter and a validation split, preference. Each is built in a child
process (its own peak RSS is the figure) the same way the Celery task builds it.

The floor of each spec is `COPY (<the build's own row query>) TO STDOUT` into a file, fsynced:
the query is `exports.selectors.export_sample_rows` over `export_samples` for that spec, so the
server does the same scan, joins and subqueries, and the build's extra work is everything the
client adds (rows to JSON, pseudonyms, the split, files, checksums). Sides alternate, each after
a CHECKPOINT; median of BENCH_REPEAT (2).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import Figure, dsn, peak_rss_mb_of

HERE = Path(__file__).resolve()


def _project(rows: int):
    from django.contrib.auth import get_user_model

    from annotators.models import Physician, Specialty
    from curation.models import Criterion, Project, Rubric

    rubric, created = Rubric.objects.get_or_create(
        family="bench-export", version=1, defaults={"name": "Bench"}
    )
    if created:
        Criterion.objects.create(
            rubric=rubric, position=0, key="accurate", label="Accurate", kind="binary"
        )
    project, _ = Project.objects.get_or_create(
        slug=f"bench-export-4k-{rows}",
        defaults={"name": f"Bench export {rows}", "rubric": rubric},
    )
    users = []
    for n in range(3):
        user, _ = get_user_model().objects.get_or_create(username=f"bench-export-md{n}")
        physician, _ = Physician.objects.get_or_create(user=user)
        users.append(physician.user_id)
    codes = list(
        Specialty.objects.filter(code__in=["cardiology", "neurology"]).values_list("id", flat=True)
    )
    return project, users, codes


def _fill(project, users: list[int], specialty_ids: list[int], rows: int) -> None:
    """COPY `rows` settled samples in, then three reviews each; skipped if already there."""
    import psycopg
    from psycopg.types.json import Jsonb

    from curation.models import Sample

    have = Sample.objects.filter(project=project).count()
    if have == rows:
        return
    if have:
        raise RuntimeError(f"project {project.slug} holds {have} samples, expected 0 or {rows}")
    now = dt.datetime.now(dt.UTC)
    settled_at = now - dt.timedelta(days=1)
    explicit = {
        "project": None,
        "external_id": None,
        "messages": None,
        "answer": None,
        "reasoning": None,
        "specialty": None,
        "content_hash": None,
        "status": None,
        "final_verdict": None,
        "final_answer": None,
        "final_source": None,
        "final_grades": None,
        "settled_at": None,
        "created_at": None,
        "updated_at": None,
        "slots_open": None,
    }
    fields = [f for f in Sample._meta.concrete_fields if f.name != "id"]
    columns = [f.column for f in fields]
    defaults = {
        f.name: (
            Jsonb(f.get_default()) if f.get_internal_type() == "JSONField" else f.get_default()
        )
        for f in fields
        if f.name not in explicit
    }
    answer = (
        "If the chest pain is crushing, spreads to the arm or jaw, or comes with sweating "
        "or breathlessness, call emergency services now. "
    ) * 32  # about 4 KB, as real answers are
    correction = (
        "Call 911 now: this may be a heart attack. Chew an aspirin if not allergic. "
    ) * 54
    with psycopg.connect(dsn()) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY curation_sample ({', '.join(columns)}) FROM STDIN") as copy:
            for i in range(rows):
                verdict = "accept" if i % 10 < 7 else ("revise" if i % 10 < 9 else "reject")
                values = {
                    "project": project.pk,
                    "external_id": f"b{i:07d}",
                    "messages": Jsonb(
                        [
                            {
                                "role": "user",
                                "content": (
                                    f"Case {i}: I am 58 and have had pressure in my chest for "
                                    "twenty minutes after climbing stairs. Should I worry?"
                                ),
                            }
                        ]
                    ),
                    "answer": answer,
                    "reasoning": "Consider acute coronary syndrome.",
                    "specialty": specialty_ids[i % len(specialty_ids)],
                    "content_hash": f"{i:064d}",
                    "status": "settled",
                    "final_verdict": verdict,
                    "final_answer": correction if verdict == "revise" else "",
                    "final_source": "consensus",
                    "final_grades": Jsonb({"accurate": verdict != "reject"}),
                    "settled_at": settled_at,
                    "created_at": now,
                    "updated_at": now,
                    "slots_open": 0,
                    **defaults,
                }
                copy.write_row([values[f.name] for f in fields])
        cur.execute(
            """
            INSERT INTO curation_review (project_id, sample_id, reviewer_id, rubric_id, grades,
                verdict, corrected_answer, original_answer, rationale, flags, is_model, source,
                client_key, external_ref, revision, submitted_at, updated_at)
            SELECT s.project_id, s.id, u.id, %s, s.final_grades, s.final_verdict, s.final_answer,
                   s.answer, CASE WHEN s.final_verdict = 'accept' THEN '' ELSE 'why' END,
                   '[]'::jsonb, false, 'web', '', '', 1, s.settled_at, s.settled_at
            FROM curation_sample s CROSS JOIN unnest(%s::bigint[]) AS u(id)
            WHERE s.project_id = %s
            """,
            [project.rubric_id, users, project.pk],
        )
        cur.execute(
            """
            INSERT INTO curation_consensuslabel (sample_id, project_id, report_id, grades,
                confidence, verdict, verdict_confidence, min_confidence, n_reviews, digest)
            SELECT s.id, s.project_id, 0, s.final_grades,
                   jsonb_build_object('accurate', c.v, 'verdict', c.v), s.final_verdict, c.v, c.v,
                   3, 0
            FROM curation_sample s, LATERAL (SELECT 0.5 + (s.id %% 50) / 100.0 AS v) c
            WHERE s.project_id = %s
            """,
            [project.pk],
        )
        cur.execute("ANALYZE curation_sample")
        cur.execute("ANALYZE curation_review")
        cur.execute("ANALYZE curation_consensuslabel")


def _temp_files() -> tuple[int, int]:
    import psycopg

    with psycopg.connect(dsn(), autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        return conn.execute(
            "SELECT temp_files, temp_bytes FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()


SPECS = {
    "sft": {"format": "sft"},
    "graded": {
        "format": "graded",
        "filters": {"min_confidence": 0.6},
        "split": {"validation": 0.1, "seed": 42},
    },
    "preference": {"format": "preference"},
}


def _checkpoint() -> None:
    import psycopg

    with psycopg.connect(dsn(), autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def _floor_sql(project, spec: dict) -> str:
    """The build's own row query for `spec`, as one SQL text."""
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from annotators.models import Specialty
    from exports.selectors import export_sample_rows, export_samples
    from exports.spec import spec_normalise

    normal = spec_normalise(
        format=spec["format"],
        file_format="jsonl",
        filters=spec.get("filters"),
        split=spec.get("split"),
        specialty_codes=set(Specialty.objects.values_list("code", flat=True)),
    )
    filters = normal["filters"]
    needs = filters["min_confidence"] is not None or filters["min_agreement"] is not None
    samples = export_samples(
        project=project, format=spec["format"], spec=normal, as_of=timezone.now()
    )
    rows = export_sample_rows(
        samples,
        format=spec["format"],
        with_grades=spec["format"] == "graded" or needs,
        in_sql_reviewers=settings.EXPORTS_REVIEWERS_IN_SQL,
    )
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        return cursor.mogrify(sql, params)


def _copy_floor(sql: str, out: Path) -> tuple[float, int]:
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(dsn()) as conn, conn.cursor() as cur, open(out, "wb") as f:
        with cur.copy(f"COPY ({sql}) TO STDOUT") as copy:
            for block in copy:
                f.write(block)
        f.flush()
        os.fsync(f.fileno())
    seconds = time.perf_counter() - started
    lines = 0
    with open(out, "rb") as f:
        while chunk := f.read(1 << 20):
            lines += chunk.count(b"\n")
    return seconds, lines


def run(rows: int) -> list[Figure]:
    project, users, specialty_ids = _project(rows)
    started = time.perf_counter()
    _fill(project, users, specialty_ids, rows)
    print(f"   {rows:,} samples ready in {time.perf_counter() - started:.1f} s", flush=True)
    repeats = int(os.environ.get("BENCH_REPEAT", "2"))
    figures: list[Figure] = []
    for name, spec in SPECS.items():
        figures += _spec_figures(project, name, spec, repeats)
    return figures


def _spec_figures(project, name: str, spec: dict, repeats: int) -> list[Figure]:
    sql = _floor_sql(project, spec)
    floors, builds, rss = [], [], 0.0
    temp_files = temp_bytes = 0
    copy_rows, result = 0, None
    for r in range(repeats):
        workdir = Path(tempfile.mkdtemp(prefix="bench-export-"))
        try:

            def floor(workdir: Path = workdir) -> None:
                nonlocal copy_rows
                _checkpoint()
                seconds, copy_rows = _copy_floor(sql, workdir / "floor.txt")
                floors.append(seconds)

            def build(workdir: Path = workdir) -> None:
                nonlocal rss, result, temp_files, temp_bytes
                _checkpoint()
                before = _temp_files()
                env = dict(os.environ, STORAGE_ROOT=str(workdir / "storage"))
                peak, out = peak_rss_mb_of(
                    [str(HERE), "--child", project.slug, json.dumps(spec)], env=env
                )
                time.sleep(1.0)  # statistics reach pg_stat_database within a second
                after = _temp_files()
                temp_files += after[0] - before[0]
                temp_bytes += after[1] - before[1]
                rss = max(rss, peak)
                result = json.loads(out.strip().splitlines()[-1])
                builds.append(result["seconds"])

            for side in (floor, build) if r % 2 == 0 else (build, floor):
                side()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    if result["rows"] != copy_rows:
        raise RuntimeError(f"{name}: export wrote {result['rows']} rows, COPY {copy_rows}")
    export_rps = result["rows"] / statistics.median(builds)
    copy_rps = copy_rows / statistics.median(floors)
    print(
        f"   {name}: {result['rows']:,} rows ({result['bytes'] / 1e6:,.0f} MB); build {builds} s; "
        f"COPY {floors} s; temp spilled {temp_bytes:,} bytes",
        flush=True,
    )
    spread = f"median of {repeats}, {min(builds):.1f}-{max(builds):.1f} s"
    return [
        Figure(
            "export",
            f"{name} build ({spread})",
            export_rps,
            "rows/s",
            f"COPY of its row query, {min(floors):.1f}-{max(floors):.1f} s",
            copy_rps,
            ">= 0.70 of COPY",
            export_rps / copy_rps >= 0.7,
        ),
        Figure("export", f"{name} build peak RSS", rss, "MB", target="< 300 MB", ok=rss < 300),
        Figure(
            "export",
            f"{name} server temp files",
            float(temp_files),
            "files",
            target="0",
            ok=temp_files == 0,
        ),
    ]


def child(slug: str, spec: str) -> None:
    """Build one export of `spec` in this process and print its figures as JSON."""
    sys.path.insert(0, str(HERE.parent.parent))
    from common import setup_django

    setup_django()
    from curation.models import Project
    from exports.services import export_build, export_create

    project = Project.objects.get(slug=slug)
    spec = json.loads(spec)
    export = export_create(
        actor=None,
        project=project,
        format=spec["format"],
        filters=spec.get("filters"),
        split=spec.get("split"),
        enqueue=False,
    )
    started = time.perf_counter()
    export = export_build(export_id=export.pk)
    seconds = time.perf_counter() - started
    if export.status != "done":
        raise SystemExit(f"export failed: {export.error}")
    print(json.dumps({"rows": export.row_count, "seconds": seconds, "bytes": export.byte_size}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
