"""Review import: `reviews_import` (the `import_reviews` command) beside a COPY of the same rows.

BENCH_REVIEW_ROWS (default BENCH_ROWS) historical reviews, three per sample, by 60 physicians,
as JSONL; beside it the same review rows as COPY text. The floor streams that text into a table
made `LIKE curation_review INCLUDING ALL` (same columns, defaults, checks and indexes); the
figure imports the JSONL through the service in a child process (its own peak RSS). Both roll
back instead of committing. Each side after a CHECKPOINT, the floor first on odd repeats.
Targets: at least 0.3x COPY's rows/s; peak RSS < 300 MB.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE))

from common import Figure, dsn, peak_rss_mb_of, setup_django  # noqa: E402

PER_SAMPLE = 3
N_PHYSICIANS = 60
GRADES = [
    {"accurate": True, "completeness": 4, "urgency": "emergent"},
    {"accurate": False, "completeness": 2, "urgency": "urgent"},
    {"accurate": True, "completeness": 5, "urgency": "routine"},
]
COPY_COLUMNS = (
    "project_id, sample_id, reviewer_id, rubric_id, grades, verdict, corrected_answer, "
    "original_answer, rationale, flags, is_model, source, client_key, external_ref, revision, "
    "submitted_at, updated_at"
)


def _project(rows: int):
    from django.contrib.auth import get_user_model

    from annotators.models import Physician
    from curation.models import Criterion, Project, Rubric

    rubric, created = Rubric.objects.get_or_create(
        family="bench-review-import", version=1, defaults={"name": "Bench"}
    )
    if created:
        Criterion.objects.create(
            rubric=rubric, position=0, key="accurate", label="Accurate", kind="binary"
        )
        Criterion.objects.create(
            rubric=rubric,
            position=1,
            key="completeness",
            label="Completeness",
            kind="ordinal",
            min_value=1,
            max_value=5,
        )
        Criterion.objects.create(
            rubric=rubric,
            position=2,
            key="urgency",
            label="Urgency",
            kind="nominal",
            choices=["emergent", "urgent", "routine"],
        )
    slug = f"bench-review-import-{os.getpid()}-{int(time.time())}"
    project = Project.objects.create(slug=slug, name="Review import bench", rubric=rubric)
    users = []
    for i in range(N_PHYSICIANS):
        email = f"bench-reviewer-{i}@rounds.test"
        user, made = get_user_model().objects.get_or_create(
            username=email, defaults={"email": email}
        )
        if made:
            Physician.objects.create(user=user, status="active")
        users.append((user.pk, email))
    return project, users


def _samples(project, n: int) -> list[int]:
    import psycopg

    answer = "See a doctor today if the pain comes back. " * 20
    with psycopg.connect(dsn()) as conn:
        with conn.cursor().copy(
            "COPY curation_sample (project_id, external_id, messages, reasoning, answer, images, "
            "metadata, content_hash, status, slots_open, reviews_done, is_gold, quarantined, "
            "quarantine_reasons, final_verdict, final_answer, final_source, created_at, "
            "updated_at) FROM STDIN"
        ) as copy:
            block = io.StringIO()
            messages = json.dumps([{"role": "user", "content": "Is this chest pain serious?"}])
            for i in range(n):
                block.write(
                    f"{project.pk}\tr{i}\t{messages}\t\t{answer}\t[]\t{{}}\th{i}\topen\t"
                    f"{PER_SAMPLE}\t0\tf\tf\t[]\t\t\t\t2026-01-01 00:00:00+00\t"
                    "2026-01-01 00:00:00+00\n"
                )
            copy.write(block.getvalue())
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM curation_sample WHERE project_id = %s ORDER BY id", [project.pk]
            )
        ]
        conn.execute("ANALYZE curation_sample")
        conn.commit()
    return ids


def _files(project, users, sample_ids, rows: int, folder: Path) -> tuple[Path, Path]:
    jsonl, copy = folder / "reviews.jsonl", folder / "reviews.copy"
    answer = "See a doctor today if the pain comes back. " * 20
    with jsonl.open("w") as j, copy.open("w") as c:
        for n in range(rows):
            s, k = divmod(n, PER_SAMPLE)
            user_id, email = users[(s * PER_SAMPLE + k) % N_PHYSICIANS]
            grades = GRADES[(s + k) % 3 if k else 0]
            verdict = ("accept", "revise", "reject")[(s + k) % 3]
            correction = "Call emergency services now." if verdict == "revise" else ""
            rationale = "" if verdict == "accept" else "Misses the red flags."
            when = f"2025-03-{1 + s % 28:02d}T10:00:00Z"
            record = {
                "sample_id": f"r{s}",
                "physician": email,
                "grades": grades,
                "verdict": verdict,
                "correction": correction,
                "rationale": rationale,
                "submitted_at": when,
            }
            j.write(json.dumps(record) + "\n")
            c.write(
                f"{project.pk}\t{sample_ids[s]}\t{user_id}\t{project.rubric_id}\t"
                f"{json.dumps(grades)}\t{verdict}\t{correction}\t{answer}\t{rationale}\t[]\tf\t"
                f"import\t\t\t1\t{when}\t{when}\n"
            )
    return jsonl, copy


def _checkpoint() -> None:
    import psycopg

    os.sync()
    with psycopg.connect(dsn(), autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def _floor(copy_file: Path) -> float:
    import psycopg

    with psycopg.connect(dsn(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_review_copy")
        conn.execute("CREATE TABLE bench_review_copy (LIKE curation_review INCLUDING ALL)")
        try:
            _checkpoint()
            started = time.perf_counter()
            with conn.transaction() as tx, conn.cursor() as cur:
                with (
                    cur.copy(f"COPY bench_review_copy ({COPY_COLUMNS}) FROM STDIN") as copy,
                    copy_file.open("rb") as f,
                ):
                    while chunk := f.read(1 << 20):
                        copy.write(chunk)
                elapsed = time.perf_counter() - started
                raise psycopg.Rollback(tx)
            return elapsed
        finally:
            conn.execute("DROP TABLE IF EXISTS bench_review_copy")


def child(path: str, slug: str) -> None:
    """In a fresh process: import the reviews through the service, roll back, print seconds."""
    setup_django()
    from django.db import transaction

    from curation.intake.review_import import reviews_import
    from curation.models import Project

    project = Project.objects.get(slug=slug)
    with transaction.atomic():
        started = time.perf_counter()
        result = reviews_import(project=project, source=path, actor=None)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    print(json.dumps({"seconds": elapsed, "created": result.created}))


def run(rows: int) -> list[Figure]:
    from curation.models import Project

    rows = int(os.environ.get("BENCH_REVIEW_ROWS", rows))
    rows -= rows % PER_SAMPLE
    repeats = int(os.environ.get("BENCH_REPEAT", "1"))
    project, users = _project(rows)
    floors, imports, rss = [], [], 0.0
    try:
        sample_ids = _samples(project, rows // PER_SAMPLE)
        with tempfile.TemporaryDirectory(prefix="rounds-bench-reviews-") as tmp:
            jsonl, copy_file = _files(project, users, sample_ids, rows, Path(tmp))
            for r in range(repeats):

                def service() -> None:
                    nonlocal rss
                    _checkpoint()
                    peak, out = peak_rss_mb_of(
                        [str(Path(__file__).resolve()), "child", str(jsonl), project.slug]
                    )
                    report = json.loads(out.strip().splitlines()[-1])
                    if report["created"] != rows:
                        raise RuntimeError(f"imported {report['created']} of {rows} reviews")
                    imports.append(report["seconds"])
                    rss = max(rss, peak)

                def floor() -> None:
                    floors.append(_floor(copy_file))

                for side in (floor, service) if r % 2 == 0 else (service, floor):
                    side()
    finally:
        import psycopg

        with psycopg.connect(dsn(), autocommit=True) as conn:
            conn.execute("DELETE FROM curation_sample WHERE project_id = %s", [project.pk])
        Project.objects.filter(pk=project.pk).delete()
    print(f"   review import: {imports} s; COPY {floors} s; peak RSS {rss:.0f} MB", flush=True)
    rate = rows / statistics.median(imports)
    copy_rate = rows / statistics.median(floors)
    return [
        Figure(
            "review import",
            f"{rows:,} reviews imported (median of {repeats})",
            rate,
            "rows/s",
            "COPY of the review rows",
            copy_rate,
            ">= 0.3x",
            rate >= 0.3 * copy_rate,
        ),
        Figure(
            "review import",
            "peak RSS of the import process",
            rss,
            "MB",
            target="< 300 MB",
            ok=rss < 300,
        ),
    ]


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "child":
    child(sys.argv[2], sys.argv[3])
