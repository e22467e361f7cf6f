"""Writing the agreement job's consensus labels, in bulk (settling is `reviewing.lifecycle`).

Each consensus row carries a 64-bit digest of what it decides: the category of every item and
the verdict, the number of reviews and whose correction it takes. A run rewrites a label when that
digest changed, when it is new, or when its sample is about to be settled or queued (so every
decision is taken on this run's confidences). Any new review moves Dawid-Skene's estimates and so
every posterior a little; rewriting a million labels for confidences that moved in the fifth
decimal would make each scheduled run as costly as the first, so the confidence of a label whose
decision did not change stays as of the run that last wrote it (its `report`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from django.db import connection

from core.pgcopy import fetch_int8_arrays
from curation.agreement.stats.report import ConsensusPhase, Item
from curation.models import Project
from curation.reviewing.lifecycle import samples_to_decide
from curation.rubrics.validation import VERDICTS

# --- writing ----------------------------------------------------------------------------------


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, elementwise over uint64 (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def consensus_digests(
    items: list[Item], values: np.ndarray, n: np.ndarray, answer: np.ndarray
) -> np.ndarray:
    """A 64-bit digest per consensus row of what it decides (and the rubric's shape)."""
    shape = json.dumps([[it.key, it.kind, it.categories] for it in items], default=str)
    seed = int.from_bytes(hashlib.blake2b(shape.encode(), digest_size=8).digest(), "little")
    columns = [values[:, i] for i in range(values.shape[1])]
    columns += [n, answer]
    with np.errstate(over="ignore"):
        h = np.full(len(n), seed, dtype=np.uint64)
        for j, column in enumerate(columns):
            x = np.asarray(column).astype(np.int64).view(np.uint64) + np.uint64(j + 1)
            h = _mix(h ^ _mix(x))
    return h.view(np.int64)


def stored_digests(project: Project) -> tuple[np.ndarray, np.ndarray] | None:
    """Sample ids (ascending) of the project's stored labels and their digests (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return None
    ids, digests = fetch_int8_arrays(
        "SELECT array_send(array_agg(sample_id::int8)), array_send(array_agg(digest::int8))"
        " FROM curation_consensuslabel WHERE project_id = %s",
        [project.pk],
    )
    order = np.argsort(ids, kind="stable")
    return ids[order], digests[order]


def labels_fingerprint(ids: np.ndarray, digests: np.ndarray) -> str:
    """One digest of a project's labels: their sample ids (ascending) and row digests."""
    h = hashlib.blake2b(digest_size=16)
    for array in (ids, digests):
        h.update(np.ascontiguousarray(array, dtype=np.int64).view(np.uint8))
    return h.hexdigest()


@dataclass(frozen=True)
class Stored:
    """What `consensus_store` did: rows changed, and the fingerprint of the labels it left."""

    written: int
    fingerprint: str


def consensus_store(
    *, project, report, items, phase: ConsensusPhase, sample_ids, reviewer_ids, stored=None
) -> Stored:
    """Bring the project's consensus labels up to this run's; returns how many rows changed.

    Runs inside the caller's transaction, after no other run could have written a label (the
    project's advisory lock). `stored` is what `stored_digests` read, if already read. A row's
    `report` is the run that last changed it.
    """
    from curation.models import ConsensusLabel

    rated = np.flatnonzero(phase.physician_reviews > 0)
    values = phase.values[rated]
    conf = phase.confidence[rated]  # a copy: rounded in place below
    np.nan_to_num(conf, copy=False, nan=0.0)
    np.round(conf, 6, out=conf)
    answer = phase.answer_from[rated]
    answer_user = np.where(answer >= 0, reviewer_ids[np.maximum(answer, 0)], -1)
    n_reviews = phase.physician_reviews[rated]
    ids = sample_ids[rated].astype(np.int64)
    digests = consensus_digests(items, values, n_reviews, answer_user)

    if connection.vendor != "postgresql":
        ConsensusLabel.objects.filter(project=project).delete()
        objs = []
        for row in range(len(rated)):
            objs.append(
                ConsensusLabel(
                    sample_id=int(ids[row]),
                    project=project,
                    report=report,
                    **_label_fields(items, values[row], conf[row]),
                    n_reviews=int(n_reviews[row]),
                    answer_from_id=None if answer_user[row] < 0 else int(answer_user[row]),
                    digest=int(digests[row]),
                )
            )
        ConsensusLabel.objects.bulk_create(objs, batch_size=2000)
        return Stored(len(objs), labels_fingerprint(ids, digests))

    old_ids, old_digests = stored if stored is not None else stored_digests(project)
    pos = np.searchsorted(old_ids, ids)
    found = pos < len(old_ids)
    found[found] = old_ids[pos[found]] == ids[found]
    same = np.zeros(len(ids), dtype=bool)
    same[found] = old_digests[pos[found]] == digests[found]
    deciding = np.isin(ids, samples_to_decide(project)) & (n_reviews >= project.overlap)
    same &= ~deciding
    gone = old_ids[~np.isin(old_ids, ids, assume_unique=True)]
    changed = found & ~same
    # Labels that changed go out and in again with the new ones, in one COPY: cheaper than
    # INSERT ... ON CONFLICT building each row's JSON on the server, above all when a rubric
    # change rewrites every label.
    _delete_postgres(np.concatenate([gone, ids[changed]]))
    write = np.flatnonzero(~same)
    if len(write):
        columns = [ids, values, conf, n_reviews, answer_user, digests]
        _insert_postgres(project, report, items, *(c[write] for c in columns))
    written = len(write) + len(gone)
    # Afterwards the stored labels are exactly this run's rows (ids ascending, as sample_ids).
    return Stored(int(written), labels_fingerprint(ids, digests))


def _label_fields(items: list[Item], values: np.ndarray, conf: np.ndarray) -> dict:
    verdict = int(values[-1])
    return {
        "grades": {
            it.key: (None if values[i] < 0 else it.categories[values[i]])
            for i, it in enumerate(items)
            if it.kind != "verdict"
        },
        "confidence": {it.key: float(conf[i]) for i, it in enumerate(items)},
        "verdict": "" if verdict < 0 else items[-1].categories[verdict],
        "verdict_confidence": float(conf[-1]),
        "min_confidence": float(conf.min()),
    }


def _json_objects(keys: list[str], fragments: list, rows: int):
    """One JSON object per row, from each key's value text per row (all pyarrow, no loop)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    pairs = [
        pc.binary_join_element_wise(pa.scalar(json.dumps(key) + ":"), values, "")
        for key, values in zip(keys, fragments, strict=True)
    ]
    if not pairs:
        return pa.array(["{}"] * rows)
    return pc.binary_join_element_wise("{", pc.binary_join_element_wise(*pairs, ","), "}", "")


def _insert_postgres(project, report, items, ids, values, conf, n, answer_user, digests) -> None:
    """New labels, their JSON built here and COPYed in: no staging table, no per-row SQL."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv

    graded = [(i, it) for i, it in enumerate(items) if it.kind != "verdict"]
    verdicts = pa.array(["", *VERDICTS])

    def batches(size: int = 20_000):
        options = csv.WriteOptions(include_header=False, quoting_style="needed")
        for start in range(0, len(ids), size):
            part = slice(start, start + size)
            grades = _json_objects(
                [it.key for _, it in graded],
                [
                    pa.array(["null", *(json.dumps(c) for c in it.categories)]).take(
                        pa.array(values[part, i] + 1)
                    )
                    for i, it in graded
                ],
                len(ids[part]),
            )
            confidence = _json_objects(
                [it.key for it in items],
                [pc.cast(pa.array(conf[part, i]), pa.string()) for i in range(len(items))],
                len(ids[part]),
            )
            answer = answer_user[part]
            table = pa.table(
                {
                    "sample_id": pa.array(ids[part]),
                    "project_id": pa.array(np.full(len(answer), project.pk)),
                    "report_id": pa.array(np.full(len(answer), report.pk)),
                    "grades": grades,
                    "confidence": confidence,
                    "verdict": verdicts.take(pa.array(values[part, -1] + 1)),
                    "verdict_confidence": pa.array(conf[part, -1]),
                    "min_confidence": pa.array(conf[part].min(axis=1)),
                    "n_reviews": pa.array(n[part]),
                    "answer_from_id": pa.array(answer, mask=answer < 0),
                    "digest": pa.array(digests[part]),
                }
            )
            buffer = io.BytesIO()
            csv.write_csv(table, buffer, options)
            yield buffer.getbuffer()

    with connection.cursor() as cursor:
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        with raw.copy(
            "COPY curation_consensuslabel (sample_id, project_id, report_id, grades, confidence,"
            " verdict, verdict_confidence, min_confidence, n_reviews, answer_from_id, digest)"
            " FROM STDIN WITH (FORMAT csv)"
        ) as copy:
            for block in _ahead(batches()):
                copy.write(block)


def _ahead(blocks: Iterator, depth: int = 2) -> Iterator:
    """`blocks`, each built on a second thread while the one before is being sent.

    The labels' JSON is built by pyarrow, which releases the GIL: the next block is built while
    PostgreSQL parses the last one on the other core.
    """
    out: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    failure: list[BaseException] = []
    done = object()

    def produce() -> None:
        try:
            for block in blocks:
                if stop.is_set():
                    return
                out.put(block)
        except BaseException as exc:  # raised again on the consuming thread
            failure.append(exc)
        finally:
            out.put(done)

    worker = threading.Thread(target=produce, name="agreement-labels", daemon=True)
    worker.start()
    try:
        while (block := out.get()) is not done:
            yield block
        if failure:
            raise failure[0]
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                out.get(timeout=0.05)
        worker.join()


def _delete_postgres(sample_ids: np.ndarray) -> None:
    if not len(sample_ids):
        return
    with connection.cursor() as cursor:
        for start in range(0, len(sample_ids), 100_000):
            cursor.execute(
                "DELETE FROM curation_consensuslabel WHERE sample_id = ANY(%s::bigint[])",
                [sample_ids[start : start + 100_000].tolist()],
            )
