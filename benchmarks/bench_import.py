"""Sample import: the import service's rows/s against COPY FROM STDIN of the same rows.

Generates N samples (prompt ~400 B, reasoning ~2 KB, answer ~1.5 KB) as JSONL and, alongside,
as COPY text for a table shaped like curation_sample (same columns, indexes and constraints).
The floor streams that COPY text into PostgreSQL; the figure runs `samples_import` on the JSONL
in a child process (parsing, validation, hashing, the identifier guard, batched writes) and
reads that process's own peak RSS. Both end with the deferred foreign-key checks and roll back
instead of committing, so no million-row cleanup follows. Each side runs BENCH_REPEAT (3) times,
alternating which goes first, each after a sync and a CHECKPOINT; median and min-max. Then the
same again for a second N rows into a project (and a floor table) already holding the first N.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
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

WORDS = str.split(
    "patient presents with chest pain dyspnea fatigue palpitations syncope edema fever cough "
    "history of hypertension diabetes hyperlipidemia smoking coronary disease heart failure "
    "atrial fibrillation anticoagulation aspirin statin beta blocker ace inhibitor troponin "
    "electrocardiogram echocardiogram ejection fraction murmur auscultation differential "
    "diagnosis includes acute coronary syndrome pulmonary embolism pericarditis aortic "
    "dissection pneumonia reflux anxiety musculoskeletal strain recommend urgent evaluation "
    "emergency department follow up primary care cardiology referral lifestyle changes "
    "exercise diet weight loss medication adherence monitor symptoms return precautions "
    "the a of and to in is that for with as on be this may should consider likely risk"
)
SIZES = {"prompt": 400, "reasoning": 2000, "answer": 1500}
POOL = 500  # distinct paragraphs per field; rows combine them with their own id


def _paragraphs(rng: random.Random, size: int) -> list[str]:
    out = []
    for _ in range(POOL):
        words, n = [], 0
        while n < size:
            word = rng.choice(WORDS)
            words.append(word)
            n += len(word) + 1
        out.append(" ".join(words)[:size])
    return out


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def generate(
    rows: int,
    folder: Path,
    project_id: int,
    columns: list[str],
    specialty_id: int | None = None,
    offset: int = 0,
) -> tuple[Path, Path]:
    """The JSONL file to import and the COPY file of the same rows, written in one pass."""
    rng = random.Random(20260101 + offset)
    pools = {name: _paragraphs(rng, size) for name, size in SIZES.items()}
    jsonl, copy = folder / f"samples-{offset}.jsonl", folder / f"samples-{offset}.copy"
    now = "2026-01-01 00:00:00+00"
    with jsonl.open("w") as j, copy.open("w") as c:
        for i in range(offset, offset + rows):
            external_id = f"bench-{i:08d}"
            prompt = f"Case {i}: " + pools["prompt"][rng.randrange(POOL)]
            messages = [{"role": "user", "content": prompt}]
            reasoning = pools["reasoning"][rng.randrange(POOL)]
            answer = pools["answer"][rng.randrange(POOL)]
            j.write(
                json.dumps(
                    {
                        "id": external_id,
                        "messages": messages,
                        "reasoning": reasoning,
                        "answer": answer,
                        "specialty": "cardiology",
                        "metadata": {"batch": i // 10000},
                    }
                )
            )
            j.write("\n")
            values = {
                "project_id": project_id,
                "external_id": external_id,
                "messages": json.dumps(messages),
                "reasoning": reasoning,
                "answer": answer,
                "images": "[]",
                "specialty_id": specialty_id,
                "metadata": json.dumps({"batch": i // 10000}),
                "content_hash": hashlib.sha256(external_id.encode()).hexdigest(),
                "status": "open",
                "slots_open": 3,
                "reviews_done": 0,
                "is_gold": False,
                "gold_grades": None,
                "quarantined": False,
                "quarantine_reasons": "[]",
                "final_grades": None,
                "final_verdict": "",
                "final_answer": "",
                "final_source": "",
                "settled_at": None,
                "created_at": now,
                "updated_at": now,
            }
            c.write("\t".join(_copy_text(values.get(col)) for col in columns))
            c.write("\n")
    return jsonl, copy


def _quiet() -> None:
    """Dirty pages to disk, then a CHECKPOINT: neither side pays for what came before it."""
    import psycopg

    os.sync()
    with psycopg.connect(dsn(), autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def copy_floor(copy_file: Path, columns: list[str], prefill: Path | None = None) -> float:
    """Seconds to stream the COPY file into a table shaped like curation_sample.

    With `prefill`, that file's rows are in the table (committed, vacuumed) before the clock
    starts, as the project's first million are for the service.
    """
    import psycopg

    cols = ", ".join(f'"{c}"' for c in columns)
    sql = f"COPY bench_import_copy ({cols}) FROM STDIN"
    with psycopg.connect(dsn(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_import_copy")
        conn.execute("CREATE TABLE bench_import_copy (LIKE curation_sample INCLUDING ALL)")
        # The same foreign keys as the real table (LIKE does not copy them), checked alike.
        for column, target in (
            ("project_id", "curation_project"),
            ("specialty_id", "annotators_specialty"),
        ):
            conn.execute(
                f"ALTER TABLE bench_import_copy ADD FOREIGN KEY ({column}) REFERENCES "
                f"{target} (id) DEFERRABLE INITIALLY DEFERRED"
            )
        try:
            if prefill is not None:
                _copy_file(conn, sql, prefill)
                conn.execute("VACUUM ANALYZE bench_import_copy")
            _quiet()
            started = time.perf_counter()
            with conn.transaction() as tx, conn.cursor() as cur:
                with cur.copy(sql) as copy, copy_file.open("rb") as f:
                    while chunk := f.read(1 << 20):
                        copy.write(chunk)
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                elapsed = time.perf_counter() - started
                raise psycopg.Rollback(tx)  # as the figure does: no commit, nothing to clean
            return elapsed
        finally:
            conn.execute("DROP TABLE IF EXISTS bench_import_copy")


def _copy_file(conn, sql: str, path: Path) -> None:
    with conn.transaction(), conn.cursor() as cur, cur.copy(sql) as copy, path.open("rb") as f:
        while chunk := f.read(1 << 20):
            copy.write(chunk)


def child(path: str, slug: str) -> None:
    """In a fresh process: import the file through the service and print the seconds taken.

    The import runs inside an outer transaction that is rolled back, so a million rows need no
    cleanup; deferred foreign-key checks are forced before the clock stops, as a commit would.
    """
    setup_django()
    from django.db import connection, transaction

    from curation.intake.services import samples_import
    from curation.models import Project

    project = Project.objects.get(slug=slug)
    with transaction.atomic():
        started = time.perf_counter()
        result = samples_import(project=project, source=path, actor=None)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    print(json.dumps({"seconds": elapsed, "created": result.created}))


def keep_file(rows: int, folder: Path) -> Path:
    """Generate the JSONL only (for profiling the service by hand)."""
    return generate(rows, folder, 0, [])[0]


def run(rows: int) -> list[Figure]:
    from django.db import connection

    from annotators.models import Specialty
    from curation.models import Project, Rubric, Sample
    from tests.factories import ProjectFactory

    repeats = int(os.environ.get("BENCH_REPEAT", "3"))
    slug = f"bench-import-{os.getpid()}-{int(time.time())}"
    project = ProjectFactory(slug=slug, name="Import benchmark", rubric__family=slug)
    columns = [f.column for f in Sample._meta.concrete_fields if not f.primary_key]
    connection.close()
    figures: list[Figure] = []
    try:
        with tempfile.TemporaryDirectory(prefix="rounds-bench-import-") as tmp:
            started = time.perf_counter()
            cardiology = Specialty.objects.get(code="cardiology").pk
            first_jsonl, first_copy = generate(rows, Path(tmp), project.pk, columns, cardiology)
            second_jsonl, second_copy = generate(
                rows, Path(tmp), project.pk, columns, cardiology, offset=rows
            )
            size_mb = first_jsonl.stat().st_size / 1e6
            print(
                f"   generated 2 x {rows:,} samples ({size_mb:,.0f} MB JSONL each) in "
                f"{time.perf_counter() - started:.1f} s",
                flush=True,
            )
            for case, jsonl, copy_file, prefill in (
                ("into an empty project", first_jsonl, first_copy, None),
                (f"into a project holding {rows:,}", second_jsonl, second_copy, first_copy),
            ):
                if prefill is not None:  # the project's first rows, committed, for the service
                    import psycopg

                    cols = ", ".join(f'"{c}"' for c in columns)
                    with psycopg.connect(dsn(), autocommit=True) as conn:
                        _copy_file(conn, f"COPY curation_sample ({cols}) FROM STDIN", prefill)
                        conn.execute("VACUUM ANALYZE curation_sample")
                figures += _sides(case, rows, repeats, jsonl, copy_file, columns, slug, prefill)
    finally:
        Project.objects.filter(slug=slug).delete()  # its samples were rolled back
        Rubric.objects.filter(family=slug).delete()
    return figures


def _sides(case, rows, repeats, jsonl, copy_file, columns, slug, prefill) -> list[Figure]:
    """Floor and service `repeats` times each, alternating which goes first, each after a
    sync and a CHECKPOINT; median and min-max of each."""
    floors, imports, rss = [], [], 0.0

    def service() -> None:
        nonlocal rss
        _quiet()
        peak, out = peak_rss_mb_of([str(Path(__file__).resolve()), "child", str(jsonl), slug])
        report = json.loads(out.strip().splitlines()[-1])
        if report["created"] != rows:
            raise RuntimeError(f"imported {report['created']} of {rows} samples")
        imports.append(report["seconds"])
        rss = max(rss, peak)

    def floor() -> None:
        floors.append(copy_floor(copy_file, columns, prefill))

    for r in range(repeats):
        for side in (floor, service) if r % 2 == 0 else (service, floor):
            side()
    print(f"   {case}: COPY {floors} s; import {imports} s; peak RSS {rss:.0f} MB", flush=True)
    import_rate = rows / statistics.median(imports)
    copy_rate = rows / statistics.median(floors)
    spread = f"median of {repeats}, {min(imports):.1f}-{max(imports):.1f} s"
    floor_spread = f"COPY FROM STDIN, {min(floors):.1f}-{max(floors):.1f} s"
    return [
        Figure(
            "import",
            f"samples imported {case} ({spread})",
            import_rate,
            "rows/s",
            floor_spread,
            copy_rate,
            ">= 0.5 of COPY",
            import_rate / copy_rate >= 0.5,
        ),
        Figure(
            "import",
            f"peak RSS of the import process, {case}",
            rss,
            "MB",
            target="< 300 MB",
            ok=rss < 300,
        ),
    ]


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "child":
    child(sys.argv[2], sys.argv[3])
