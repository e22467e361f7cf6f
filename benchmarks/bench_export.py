"""Building an sft export from PostgreSQL: rows/s beside COPY of the same rows, peak RSS, and
no temporary files spilled by the server.

Samples go in with COPY (settled: 70% accepted, 20% revised with a consensus correction, 10%
rejected), three physician reviews each with INSERT … SELECT. The export is built in a child
process (its peak RSS is the figure) the same way the Celery task builds it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import Figure, dsn, peak_rss_mb_of

HERE = Path(__file__).resolve()

# The rows COPY produces: what an sft row is made of, reviewer ids included.
FLOOR_SQL = """
COPY (
  SELECT row_to_json(t) FROM (
    SELECT s.id, s.external_id, sp.code AS specialty, s.messages, s.answer, s.final_verdict,
           s.final_answer, s.final_source,
           ARRAY(SELECT r.reviewer_id FROM curation_review r
                 WHERE r.sample_id = s.id AND NOT r.is_model ORDER BY r.reviewer_id) AS reviewers
    FROM curation_sample s LEFT JOIN annotators_specialty sp ON sp.id = s.specialty_id
    WHERE s.project_id = {project} AND s.status = 'settled' AND NOT s.quarantined
      AND NOT s.is_gold AND (s.final_verdict = 'accept'
           OR (s.final_verdict = 'revise' AND s.final_answer <> ''))
    ORDER BY s.external_id
  ) t
) TO STDOUT
"""


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
        slug=f"bench-export-{rows}", defaults={"name": f"Bench export {rows}", "rubric": rubric}
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
    ) * 2
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
                    "final_answer": "Call 911 now: this may be a heart attack."
                    if verdict == "revise"
                    else "",
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
        cur.execute("ANALYZE curation_sample")
        cur.execute("ANALYZE curation_review")


def _temp_files() -> tuple[int, int]:
    import psycopg

    with psycopg.connect(dsn(), autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        return conn.execute(
            "SELECT temp_files, temp_bytes FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()


def _copy_floor(project_id: int, out: Path) -> tuple[float, int]:
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(dsn()) as conn, conn.cursor() as cur, open(out, "wb") as f:
        with cur.copy(FLOOR_SQL.format(project=int(project_id))) as copy:
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
    # Interleaved repeats, best of each: on a shared machine one slow moment shouldn't decide.
    repeats = int(os.environ.get("BENCH_REPEAT", "2"))
    copy_seconds, rss, result = float("inf"), 0.0, None
    temp_files_total = temp_bytes_total = 0
    for _ in range(repeats):
        workdir = Path(tempfile.mkdtemp(prefix="bench-export-"))
        try:
            seconds, copy_rows = _copy_floor(project.pk, workdir / "floor.jsonl")
            copy_seconds = min(copy_seconds, seconds)
            temp_before = _temp_files()
            env = dict(os.environ, STORAGE_ROOT=str(workdir / "storage"))
            run_rss, out = peak_rss_mb_of([str(HERE), "--child", project.slug], env=env)
            time.sleep(1.0)  # statistics reach pg_stat_database within a second
            temp_after = _temp_files()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        temp_files_total += temp_after[0] - temp_before[0]
        temp_bytes_total += temp_after[1] - temp_before[1]
        rss = max(rss, run_rss)
        run = json.loads(out.strip().splitlines()[-1])
        if result is None or run["seconds"] < result["seconds"]:
            result = run
    if result["rows"] != copy_rows:
        raise RuntimeError(f"export wrote {result['rows']} rows, COPY {copy_rows}")
    export_rps = result["rows"] / result["seconds"]
    copy_rps = copy_rows / copy_seconds
    temp_files = temp_files_total
    print(
        f"   export {result['rows']:,} rows in {result['seconds']:.1f} s "
        f"({result['bytes'] / 1e6:,.0f} MB); COPY in {copy_seconds:.1f} s (best of {repeats}); "
        f"temp spilled {temp_bytes_total:,} bytes",
        flush=True,
    )
    return [
        Figure(
            "export",
            "sft build",
            export_rps,
            "rows/s",
            "COPY row_to_json",
            copy_rps,
            ">= 0.70 of COPY",
            export_rps / copy_rps >= 0.7,
        ),
        Figure("export", "sft build peak RSS", rss, "MB", target="< 300 MB", ok=rss < 300),
        Figure(
            "export",
            "server temp files",
            float(temp_files),
            "files",
            target="0",
            ok=temp_files == 0,
        ),
    ]


def child(slug: str) -> None:
    """Build one sft export in this process and print its figures as JSON."""
    sys.path.insert(0, str(HERE.parent.parent))
    from common import setup_django

    setup_django()
    from curation.models import Project
    from exports.services import export_build, export_create

    project = Project.objects.get(slug=slug)
    export = export_create(actor=None, project=project, format="sft", enqueue=False)
    started = time.perf_counter()
    export = export_build(export_id=export.pk)
    seconds = time.perf_counter() - started
    if export.status != "done":
        raise SystemExit(f"export failed: {export.error}")
    print(json.dumps({"rows": export.row_count, "seconds": seconds, "bytes": export.byte_size}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
