"""Exports of comparison projects: `preference` pairs from physicians' judgments and the raw
`comparison` judgments, JSONL or Parquet, in the same versioned, checksummed build.

A sample is exported once its k judgments are in (`complete`) or it is settled; quarantined samples
never are. For `preference`, each pair of responses is scored by the share of the sample's
physicians who put one above the other (a ranking orders every pair; a preferred response beats
every other; a tie is half to each side). The consensus ranking orders responses by their summed
shares, and every (chosen, rejected) pair it implies with more than half the physicians behind
`chosen` becomes a row; `margin` is that share.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import orjson
import pyarrow as pa
from django.db import transaction

from curation.comparisons.report import comparison_report
from curation.models import Comparison, Sample, SampleResponse
from curation.models.comparison import TIE

from .build import BuildResult, StratifiedSplitter, pseudonym_salt
from .models import DatasetFormat, Export
from .rows import RowContext, conversation
from .writers import WRITERS, file_digest

MESSAGES = pa.list_(pa.struct([("content", pa.string()), ("role", pa.string())]))
FORMATS = (DatasetFormat.PREFERENCE, DatasetFormat.COMPARISON)


def _schema(format: str, axes: list[str]) -> pa.Schema:
    common = [
        ("id", pa.string()),
        ("sample_id", pa.string()),
        ("specialty", pa.string()),
        ("prompt", MESSAGES),
    ]
    if format == DatasetFormat.PREFERENCE:
        fields = common + [
            ("chosen", MESSAGES),
            ("rejected", MESSAGES),
            ("chosen_model", pa.string()),
            ("rejected_model", pa.string()),
            ("margin", pa.float64()),
            ("judgments", pa.int64()),
            ("reviewer_ids", pa.list_(pa.string())),
        ]
        if axes:
            fields.append(("axes", pa.struct([(a, pa.float64()) for a in axes])))
    else:
        response = pa.struct(
            [("content", pa.string()), ("id", pa.string()), ("model", pa.string())]
        )
        fields = common + [
            ("responses", pa.list_(response)),
            ("reviewer_id", pa.string()),
            ("preferred", pa.string()),
            ("preferred_model", pa.string()),
            ("ranking", pa.list_(pa.string())),
            ("shown_order", pa.list_(pa.string())),
            ("rationale", pa.string()),
            ("submitted_at", pa.string()),
            ("source", pa.string()),
        ]
        if axes:
            fields.append(("axes", pa.struct([(a, pa.string()) for a in axes])))
    return pa.schema(fields)


def _beats(judgment: dict, keys: list[str], choice: str) -> dict[tuple[str, str], float]:
    """How much this judgment puts a over b, for every ordered pair it speaks about."""
    ranking = judgment.get("ranking") or []
    out: dict[tuple[str, str], float] = {}
    if ranking:
        for a, b in combinations(ranking, 2):
            out[(a, b)] = 1.0
    elif choice == TIE:
        for a, b in combinations(keys, 2):
            out[(a, b)] = out[(b, a)] = 0.5
    elif choice in keys:
        for other in keys:
            if other != choice:
                out[(choice, other)] = 1.0
    return out


def preference_pairs(responses: list[dict], judgments: list[dict], axes: list[str]) -> list[dict]:
    """The (chosen, rejected) pairs the physicians' consensus ranking implies, with margins."""
    keys = [r["id"] for r in responses]
    n = len(judgments)
    if n == 0:
        return []
    share: dict[tuple[str, str], float] = defaultdict(float)
    for j in judgments:
        for pair, weight in _beats(j, keys, j["preferred"]).items():
            share[pair] += weight / n
    score = {k: sum(share[(k, o)] for o in keys if o != k) for k in keys}
    ranked = sorted(keys, key=lambda k: (-score[k], keys.index(k)))
    pairs = []
    for i, chosen in enumerate(ranked):
        for rejected in ranked[i + 1 :]:
            margin = share[(chosen, rejected)]
            if margin <= 0.5:
                continue
            axis_shares = {}
            for axis in axes:
                votes = [
                    1.0 if c == chosen else 0.0 if c == rejected else 0.5
                    for c in (j["axes"].get(axis) for j in judgments)
                    if c in (chosen, rejected, TIE)
                ]
                axis_shares[axis] = round(sum(votes) / len(votes), 6) if votes else None
            pairs.append((chosen, rejected, round(margin, 6), axis_shares))
    return pairs


def _samples(export: Export):
    spec = export.spec["filters"]
    qs = Sample.objects.filter(project=export.project, quarantined=False).select_related(
        "specialty"
    )
    qs = qs.filter(
        status__in=["complete", "settled"]
        if spec["settled_only"]
        else ["open", "complete", "settled", "adjudication"]
    )
    if spec["specialties"]:
        qs = qs.filter(specialty__code__in=spec["specialties"])
    if spec["gold"] == "exclude":
        qs = qs.filter(is_gold=False)
    elif spec["gold"] == "only":
        qs = qs.filter(is_gold=True)
    return qs.filter(created_at__lte=export.created_at).order_by("id")


def comparison_dataset_build(*, export: Export, workdir: Path, progress) -> BuildResult:
    project = export.project
    axes = [a["key"] for a in project.comparison_axes]
    ctx = RowContext(
        format=export.format,
        rubric_version="",
        salt=pseudonym_salt(project_id=project.pk, format=export.format, spec=export.spec),
    )
    rows: list[dict] = []
    with transaction.atomic():
        samples = list(_samples(export))
        progress(0, len(samples))
        ids = [s.pk for s in samples]
        responses: dict[int, list[dict]] = defaultdict(list)
        for r in SampleResponse.objects.filter(sample_id__in=ids).order_by("sample_id", "position"):
            responses[r.sample_id].append({"id": r.key, "model": r.model, "content": r.content})
        judgments: dict[int, list[dict]] = defaultdict(list)
        for c in Comparison.objects.filter(
            sample_id__in=ids, submitted_at__lte=export.created_at
        ).order_by("sample_id", "submitted_at", "id"):
            judgments[c.sample_id].append(
                {
                    "reviewer": c.reviewer_id,
                    "preferred": c.preferred,
                    "axes": c.axes or {},
                    "ranking": c.ranking or [],
                    "order": c.display_order or [],
                    "rationale": c.rationale,
                    "submitted_at": c.submitted_at.isoformat(),
                    "source": c.source,
                }
            )
        for done, sample in enumerate(samples, 1):
            rows += _rows(
                ctx, export.format, sample, responses[sample.pk], judgments[sample.pk], axes
            )
            if done % 1000 == 0:
                progress(done, len(samples))
    return _write(export, workdir, rows, ctx, axes, project)


def _rows(ctx, format, sample, responses, judgments, axes) -> list[dict]:
    specialty = sample.specialty.code if sample.specialty else None
    prompt = conversation_of(sample.messages)
    base = {"sample_id": sample.external_id, "specialty": specialty, "prompt": prompt}
    by_key = {r["id"]: r for r in responses}
    if format == DatasetFormat.PREFERENCE:
        out = []
        reviewers = sorted(ctx.pseudonym(j["reviewer"]) for j in judgments)
        for chosen, rejected, margin, axis_shares in preference_pairs(responses, judgments, axes):
            row = {
                **base,
                "id": f"{sample.external_id}:{chosen}>{rejected}",
                "chosen": [{"content": by_key[chosen]["content"], "role": "assistant"}],
                "rejected": [{"content": by_key[rejected]["content"], "role": "assistant"}],
                "chosen_model": by_key[chosen]["model"],
                "rejected_model": by_key[rejected]["model"],
                "margin": margin,
                "judgments": len(judgments),
                "reviewer_ids": reviewers,
            }
            if axes:
                row["axes"] = axis_shares
            out.append(row)
        return out
    out = []
    for j in judgments:
        reviewer = ctx.pseudonym(j["reviewer"])
        row = {
            **base,
            "id": f"{sample.external_id}:{reviewer}",
            "responses": responses,
            "reviewer_id": reviewer,
            "preferred": j["preferred"],
            "preferred_model": by_key[j["preferred"]]["model"]
            if j["preferred"] in by_key
            else None,
            "ranking": j["ranking"],
            "shown_order": j["order"],
            "rationale": j["rationale"],
            "submitted_at": j["submitted_at"],
            "source": j["source"],
        }
        if axes:
            row["axes"] = {a: j["axes"].get(a) for a in axes}
        out.append(row)
    return out


def conversation_of(messages) -> list[dict]:
    return conversation(orjson.dumps(messages).decode())


def _write(export, workdir, rows, ctx, axes, project) -> BuildResult:
    split = export.spec["split"]
    splits = ["train", "validation"] if split else ["train"]
    splitter = None
    if split:
        per_sample: dict[str, str | None] = {r["sample_id"]: r["specialty"] for r in rows}
        counts = Counter(per_sample.values())
        splitter = StratifiedSplitter(
            fraction=split["validation"], seed=split["seed"], counts=dict(counts)
        )
    schema = _schema(export.format, axes)
    writer_class = WRITERS[export.file_format]
    writers = {s: writer_class(workdir / f"{s}.{export.file_format}", schema) for s in splits}
    by_specialty: dict[str, Counter] = defaultdict(Counter)
    assigned: dict[str, str] = {}
    for row in rows:
        # Every row of one sample goes to the same split, so no prompt is in both.
        where = assigned.get(row["sample_id"])
        if where is None:
            where = assigned[row["sample_id"]] = (
                splitter.assign(row["specialty"]) if splitter else "train"
            )
        writers[where].write(row)
        by_specialty[where][row["specialty"] or "unspecified"] += 1
    for writer in writers.values():
        writer.close()
    files = []
    for name, writer in writers.items():
        size, sha = file_digest(writer.path)
        files.append(
            {
                "bytes": size,
                "path": writer.path.name,
                "rows": writer.rows,
                "sha256": sha,
                "split": name,
            }
        )
    report = comparison_report(project)
    stats = {
        "by_specialty": {s: dict(sorted(c.items())) for s, c in sorted(by_specialty.items())},
        "verdicts": {},
        "answer_sources": {},
        "agreement": {},
        "comparison": {
            "judgments": report["judgments"],
            "agreement": {
                key: {k: block.get(k) for k in ("alpha", "ci_low", "ci_high", "unanimous_share")}
                for key, block in report["agreement"].items()
            },
            "position_bias": report["position_bias"],
            "models": report["models"].get("overall", []),
        },
    }
    return BuildResult(files=files, row_count=sum(f["rows"] for f in files), stats=stats)
