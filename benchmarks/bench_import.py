"""Sample import: the import service's rows/s against COPY FROM STDIN of the same rows.

Generates N samples (prompt ~400 B, reasoning ~2 KB, answer ~1.5 KB) as JSONL and, alongside,
as COPY text for a table shaped like curation_sample (same columns, indexes and constraints).
The floor streams that COPY text into PostgreSQL; the figure runs `samples_import` on the JSONL
in a child process (parsing, validation, hashing, the identifier guard, batched writes) and
reads its peak RSS. Both end with the deferred foreign-key checks and roll back instead of
committing, so no million-row cleanup follows.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
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
    rows: int, folder: Path, project_id: int, columns: list[str], specialty_id: int | None = None
) -> tuple[Path, Path]:
    """The JSONL file to import and the COPY file of the same rows, written in one pass."""
    rng = random.Random(20260101)
    pools = {name: _paragraphs(rng, size) for name, size in SIZES.items()}
    jsonl, copy = folder / "samples.jsonl", folder / "samples.copy"
    now = "2026-01-01 00:00:00+00"
    with jsonl.open("w") as j, copy.open("w") as c:
        for i in range(rows):
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


def copy_floor(copy_file: Path, columns: list[str]) -> float:
    """Seconds to stream the COPY file into a table shaped like curation_sample."""
    import psycopg

    cols = ", ".join(f'"{c}"' for c in columns)
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
            started = time.perf_counter()
            sql = f"COPY bench_import_copy ({cols}) FROM STDIN"
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

    slug = f"bench-import-{os.getpid()}-{int(time.time())}"
    project = ProjectFactory(slug=slug, name="Import benchmark", rubric__family=slug)
    columns = [f.column for f in Sample._meta.concrete_fields if not f.primary_key]
    connection.close()
    try:
        with tempfile.TemporaryDirectory(prefix="rounds-bench-import-") as tmp:
            started = time.perf_counter()
            cardiology = Specialty.objects.get(code="cardiology").pk
            jsonl, copy_file = generate(rows, Path(tmp), project.pk, columns, cardiology)
            size_mb = jsonl.stat().st_size / 1e6
            print(
                f"   generated {rows:,} samples ({size_mb:,.0f} MB JSONL) in "
                f"{time.perf_counter() - started:.1f} s",
                flush=True,
            )
            floor_seconds = copy_floor(copy_file, columns)
            copy_file.unlink()
            print(f"   COPY floor: {floor_seconds:.1f} s", flush=True)
            rss, out = peak_rss_mb_of([str(Path(__file__).resolve()), "child", str(jsonl), slug])
            report = json.loads(out.strip().splitlines()[-1])
            if report["created"] != rows:
                raise RuntimeError(f"imported {report['created']} of {rows} samples")
            print(f"   import: {report['seconds']:.1f} s, peak RSS {rss:.0f} MB", flush=True)
    finally:
        Project.objects.filter(slug=slug).delete()  # its samples were rolled back
        Rubric.objects.filter(family=slug).delete()
    import_rate = rows / report["seconds"]
    copy_rate = rows / floor_seconds
    return [
        Figure(
            "import",
            "samples imported",
            import_rate,
            "rows/s",
            "COPY FROM STDIN",
            copy_rate,
            ">= 0.5 of COPY",
            import_rate / copy_rate >= 0.5,
        ),
        Figure("import", "peak RSS of the import", rss, "MB", target="< 300 MB", ok=rss < 300),
    ]


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "child":
    child(sys.argv[2], sys.argv[3])
