"""Writes an export's data files into a working folder, streaming from the database.

Memory stays flat whatever the row count: samples come through a server-side cursor in chunks,
each chunk's reviews in one query, and every row goes straight to the writer.
"""

from __future__ import annotations

import hashlib
import hmac
import queue
import random
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import orjson
from django.conf import settings
from django.db import connection, transaction

from .models import DatasetFormat, Export
from .rows import CriterionInfo, RowContext, arrow_schema, build_row, sample_consensus
from .selectors import (
    corrections_for_samples,
    estimated_count,
    export_sample_rows,
    export_samples,
    model_grader_ids,
    reviews_for_samples,
    stratum_counts,
)
from .writers import WRITERS, file_digest

CHUNK_SIZE = settings.EXPORTS_CHUNK_SIZE

Progress = Callable[[int, int | None], None]


@dataclass
class BuildResult:
    files: list[dict]
    row_count: int
    stats: dict = field(default_factory=dict)


def pseudonym_salt(*, project_id: int, format: str, spec: dict) -> bytes:
    """Secret per spec: two builds of one spec agree; different specs cannot be linked."""
    material = orjson.dumps(
        {"project": project_id, "format": format, "spec": spec}, option=orjson.OPT_SORT_KEYS
    )
    key = settings.EXPORTS_PSEUDONYM_KEY or settings.SECRET_KEY
    return hmac.new(key.encode(), b"rounds-export-reviewers:" + material, hashlib.sha256).digest()


class StratifiedSplitter:
    """Exactly round(n * fraction) validation rows per specialty, chosen at random by the seed.

    Selection sampling (Knuth's algorithm S) per stratum: one pass, no memory per row.
    """

    def __init__(self, *, fraction: float, seed: int, counts: dict[str | None, int]) -> None:
        self.remaining = dict(counts)
        self.wanted = {s: round(n * fraction) for s, n in counts.items()}
        self.rngs = {s: random.Random(f"{seed}:{s}") for s in counts}

    def assign(self, stratum: str | None) -> str:
        remaining = self.remaining.get(stratum, 0)
        if remaining <= 0:
            return "train"
        wanted = self.wanted[stratum]
        self.remaining[stratum] = remaining - 1
        if wanted > 0 and self.rngs[stratum].random() * remaining < wanted:
            self.wanted[stratum] = wanted - 1
            return "validation"
        return "train"


def _batched(iterable: Iterable, size: int) -> Iterator[list]:
    it = iter(iterable)
    while batch := list(islice(it, size)):
        yield batch


def stream_rows(rows) -> Iterator[tuple]:
    """The queryset's tuples through a server-side cursor, without the ORM's per-row work (the
    selected columns need no conversion: text, numbers, arrays).

    A helper thread fetches the next chunk while this one turns the last into rows, so the
    database and Python work at the same time; at most two chunks wait in between.
    """
    compiler = rows.query.get_compiler(using=rows.db)
    sql, params = compiler.as_sql()
    chunks: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()
    done = object()

    with compiler.connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.cursor  # psycopg's own cursor: safe to drive from the helper thread

        def fetch() -> None:
            try:
                while not stop.is_set():
                    chunk = raw.fetchmany(CHUNK_SIZE)
                    _put(chunk or done)
                    if not chunk:
                        return
            except BaseException as exc:  # handed to the consumer, raised there
                _put(exc)

        def _put(item) -> None:
            while not stop.is_set():
                try:
                    chunks.put(item, timeout=0.5)
                    return
                except queue.Full:
                    continue

        helper = threading.Thread(target=fetch, name="export-fetch", daemon=True)
        helper.start()
        try:
            while True:
                item = chunks.get()
                if item is done:
                    break
                if isinstance(item, BaseException):
                    raise item
                yield from item
        finally:
            stop.set()
            helper.join()


def _level(consensus: dict, key: str) -> float | None:
    values = [c[key] for c in consensus.values() if c[key] is not None]
    return min(values) if values else None


def dataset_build(*, export: Export, workdir: Path, progress: Progress) -> BuildResult:
    """Stream the export's rows into `workdir/<split>.<ext>`; returns the files and counts."""
    project = export.project
    rubric = project.rubric
    criteria = [
        CriterionInfo(c.key, c.kind, c.points) for c in rubric.criteria.order_by("position")
    ]
    spec = export.spec
    filters = spec["filters"]
    needs_consensus = filters["min_confidence"] is not None or filters["min_agreement"] is not None
    with_grades = export.format == DatasetFormat.GRADED or needs_consensus
    ctx = RowContext(
        format=export.format,
        rubric_version=f"{rubric.family}@{rubric.version}",
        salt=pseudonym_salt(project_id=project.pk, format=export.format, spec=spec),
        criteria=criteria,
        in_sql_reviewers=connection.vendor == "postgresql" and settings.EXPORTS_REVIEWERS_IN_SQL,
        with_grades=with_grades,
        skip_reviewers=frozenset(model_grader_ids()),
    )

    nested = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not nested:
            # One snapshot for the counts and the rows; no cursor WITH HOLD to materialise.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                # JIT compiling a long streaming scan costs more than it saves.
                cursor.execute("SET LOCAL jit = off")
        samples = export_samples(
            project=project, format=export.format, spec=spec, as_of=export.created_at
        )
        if spec["split"]:
            counts = stratum_counts(samples)  # exact: the split needs them
            total = sum(counts.values())
        else:
            counts, total = {}, estimated_count(samples)
        progress(0, total)
        splits = ["train", "validation"] if spec["split"] else ["train"]
        splitter = (
            StratifiedSplitter(
                fraction=spec["split"]["validation"], seed=spec["split"]["seed"], counts=counts
            )
            if spec["split"]
            else None
        )
        schema = arrow_schema(ctx)
        writer_class = WRITERS[export.file_format]
        writers = {s: writer_class(workdir / f"{s}.{export.file_format}", schema) for s in splits}
        by_specialty: dict[str, Counter] = defaultdict(Counter)
        verdicts: Counter = Counter()
        sources: Counter = Counter()
        agreement_sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
        seen = 0
        rows = export_sample_rows(
            samples,
            format=export.format,
            with_grades=with_grades,
            in_sql_reviewers=ctx.in_sql_reviewers,
        )
        stream = stream_rows(rows)
        try:
            for batch in _batched(stream, CHUNK_SIZE):
                if ctx.in_sql_reviewers:
                    # Reviewer ids (and grades) came with the rows; only corrections of samples
                    # whose consensus kept none itself are read here.
                    corrections = corrections_for_samples(
                        [s[0] for s in batch if s[5] == "revise" and not s[6]]
                    )
                    if with_grades:
                        reviews = {
                            s[0]: ctx.reviews_in_row(s, corrections.get(s[0])) for s in batch
                        }
                    else:
                        reviews = corrections  # build_row reads reviewer ids off the row itself
                else:
                    reviews = reviews_for_samples(
                        [s[0] for s in batch],
                        with_grades=with_grades,
                        skip_reviewers=ctx.skip_reviewers,
                    )
                for sample in batch:
                    seen += 1
                    sample_reviews = reviews.get(sample[0])
                    row = build_row(ctx, sample, sample_reviews)
                    if row is None:
                        continue
                    if with_grades:
                        consensus = row.get("criteria") or sample_consensus(
                            ctx, sample, sample_reviews
                        )
                        label_min = sample[ctx.grades_at + 2]
                        if not _passes(filters, consensus, label_min=label_min):
                            continue
                        for key, c in consensus.items():
                            if c["agreement"] is not None:
                                sums = agreement_sums[key]
                                sums[0] += c["agreement"]
                                sums[1] += c["confidence"]
                                sums[2] += 1
                    split = splitter.assign(row["specialty"]) if splitter else "train"
                    writers[split].write(row)
                    by_specialty[split][row["specialty"] or "unspecified"] += 1
                    verdicts[sample[5] or "none"] += 1
                    if "answer_source" in row:
                        sources[row["answer_source"]] += 1
                progress(seen, total)
        finally:
            stream.close()  # stops the fetching thread before the transaction ends
        for writer in writers.values():
            writer.close()

    files = []
    for split, writer in writers.items():
        size, sha = file_digest(writer.path)
        files.append(
            {
                "bytes": size,
                "path": writer.path.name,
                "rows": writer.rows,
                "sha256": sha,
                "split": split,
            }
        )
    stats = {
        "by_specialty": {s: dict(sorted(c.items())) for s, c in sorted(by_specialty.items())},
        "verdicts": dict(sorted(verdicts.items())),
        "answer_sources": dict(sorted(sources.items())),
        "agreement": {
            key: {
                "mean_pairwise_agreement": round(s[0] / s[2], 4),
                "mean_consensus_confidence": round(s[1] / s[2], 4),
                "samples": s[2],
            }
            for key, s in sorted(agreement_sums.items())
        },
    }
    return BuildResult(files=files, row_count=sum(f["rows"] for f in files), stats=stats)


def _passes(filters: dict, consensus: dict, *, label_min: float | None) -> bool:
    if filters["min_confidence"] is not None:
        level = label_min if label_min is not None else _level(consensus, "confidence")
        if level is None or level < filters["min_confidence"]:
            return False
    if filters["min_agreement"] is not None:
        level = _level(consensus, "agreement")
        if level is None or level < filters["min_agreement"]:
            return False
    return True
