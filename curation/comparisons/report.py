"""The comparison figures of a project: agreement per axis and overall, position bias, each
physician's agreement with the others, and Bradley-Terry strengths per model.

Reads the judgments and responses once into flat arrays and hands them to
`curation.agreement.stats.comparison` (numpy).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from curation.agreement.stats.alpha import alpha_with_interval
from curation.agreement.stats.comparison import (
    TIE_CODE,
    agreement_with_others,
    bradley_terry,
    position_bias,
    unanimous_share,
    value_counts,
)
from curation.models import Comparison, Project, Sample, SampleResponse
from curation.models.comparison import TIE

OVERALL = "overall"
RIDGE = 1e-3


@dataclass
class Judgments:
    """Every judgment of a project as parallel lists, and the responses they refer to."""

    samples: list[int] = field(default_factory=list)  # sample index
    reviewers: list[int] = field(default_factory=list)
    choices: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    rankings: list[list[str]] = field(default_factory=list)
    orders: list[list[str]] = field(default_factory=list)
    sample_ids: list[int] = field(default_factory=list)
    responses: dict[int, dict[str, tuple[int, str]]] = field(default_factory=dict)
    specialties: dict[int, str] = field(default_factory=dict)  # sample id -> specialty code


def judgments_read(project: Project) -> Judgments:
    out = Judgments()
    for sample_id, key, position, model in (
        SampleResponse.objects.filter(sample__project=project)
        .order_by()
        .values_list("sample_id", "key", "position", "model")
        .iterator(chunk_size=5000)
    ):
        out.responses.setdefault(sample_id, {})[key] = (position, model)
    out.specialties = dict(
        Sample.objects.filter(project=project, specialty__isnull=False)
        .order_by()
        .values_list("id", "specialty__code")
        .iterator(chunk_size=5000)
    )
    index: dict[int, int] = {}
    axes = [a["key"] for a in project.comparison_axes]
    rows = (
        Comparison.objects.filter(project=project)
        .order_by("sample_id", "reviewer_id")
        .values_list("sample_id", "reviewer_id", "preferred", "axes", "ranking", "display_order")
        .iterator(chunk_size=5000)
    )
    for sample_id, reviewer_id, preferred, chosen, ranking, order in rows:
        if sample_id not in index:
            index[sample_id] = len(out.sample_ids)
            out.sample_ids.append(sample_id)
        out.samples.append(index[sample_id])
        out.reviewers.append(reviewer_id)
        out.choices[OVERALL].append(preferred)
        for axis in axes:
            out.choices[axis].append((chosen or {}).get(axis, ""))
        out.rankings.append(ranking or [])
        out.orders.append(order or [])
    return out


def judgment_pairs(
    choice: str, ranking: list[str], keys: list[str]
) -> list[tuple[str, str, float]]:
    """(winner, loser, weight) implied by one judgment: its ranking if any, else the chosen
    response over every other; a tie is half a win each way."""
    if ranking:
        return [(a, b, 1.0) for a, b in combinations(ranking, 2)]
    if choice == TIE:
        return [p for a, b in combinations(keys, 2) for p in ((a, b, 0.5), (b, a, 0.5))]
    if choice in keys:
        return [(choice, other, 1.0) for other in keys if other != choice]
    return []


def _strengths(
    j: Judgments, criterion: str, models: list[str], specialty: str | None = None
) -> list[dict]:
    model_index = {m: i for i, m in enumerate(models)}
    winners, losers, weights = [], [], []
    for n, choice in enumerate(j.choices[criterion]):
        sample_id = j.sample_ids[j.samples[n]]
        if specialty is not None and j.specialties.get(sample_id) != specialty:
            continue
        responses = j.responses.get(sample_id, {})
        ranking = j.rankings[n] if criterion == OVERALL else []
        for a, b, w in judgment_pairs(choice, ranking, list(responses)):
            winners.append(model_index[responses[a][1]])
            losers.append(model_index[responses[b][1]])
            weights.append(w)
    if not weights or len(models) < 2:
        return []
    bt = bradley_terry(len(models), winners, losers, weights)
    if not bt.converged or not np.all(np.isfinite(bt.se)):
        # A model that never lost (or never won) has no finite maximum-likelihood strength;
        # a light ridge keeps it finite, and the report says so.
        bt = bradley_terry(len(models), winners, losers, weights, ridge=RIDGE)
    table = [
        {
            "model": m,
            "strength": float(bt.strength[i]),
            "ci_low": float(bt.low[i]),
            "ci_high": float(bt.high[i]),
            "wins": float(bt.wins[i]),
            "comparisons": float(bt.comparisons[i]),
            "ridge": bt.ridge,
        }
        for i, m in enumerate(models)
    ]
    return sorted(table, key=lambda row: -row["strength"])


def _codes(j: Judgments, criterion: str) -> tuple[np.ndarray, np.ndarray]:
    """(sample index, code) of the judgments that made a choice on `criterion`."""
    items, codes = [], []
    for n, choice in enumerate(j.choices[criterion]):
        if not choice:
            continue
        responses = j.responses.get(j.sample_ids[j.samples[n]], {})
        code = TIE_CODE if choice == TIE else responses.get(choice, (None,))[0]
        if code is not None:
            items.append(j.samples[n])
            codes.append(code)
    return np.asarray(items, dtype=np.int64), np.asarray(codes, dtype=np.int64)


def _agreement(j: Judgments, criterion: str) -> dict:
    items, codes = _codes(j, criterion)
    counts = value_counts(items, codes, len(j.sample_ids))
    share, n = unanimous_share(counts)
    alpha = alpha_with_interval(counts, "nominal", n_boot=500)
    return {**alpha.as_dict(), "unanimous_share": share, "n_samples_judged_twice": n}


def _physicians(j: Judgments) -> list[dict]:
    items, codes = _codes(j, OVERALL)
    counts = value_counts(items, codes, len(j.sample_ids))
    counted, agrees = agreement_with_others(items, codes, counts)
    reviewers = np.asarray(
        [r for n, r in enumerate(j.reviewers) if j.choices[OVERALL][n]], dtype=np.int64
    )
    table = []
    for reviewer in np.unique(reviewers):
        mine = reviewers == reviewer
        n = int(counted[mine].sum())
        table.append(
            {
                "reviewer_id": int(reviewer),
                "judgments": int(mine.sum()),
                "compared": n,
                "agreement_with_others": float(agrees[mine].sum() / n) if n else None,
            }
        )
    return table


def _position_bias(j: Judgments) -> dict:
    first_won, shown = [], []
    for n, choice in enumerate(j.choices[OVERALL]):
        order = j.orders[n]
        if choice and choice != TIE and order:
            first_won.append(order[0] == choice)
            shown.append(len(order))
    return position_bias(first_won, shown)


def comparison_report(project: Project) -> dict:
    """Every figure of the project's comparisons, as JSON-ready data."""
    j = judgments_read(project)
    models = sorted({m for r in j.responses.values() for _, m in r.values()})
    criteria = [OVERALL, *(a["key"] for a in project.comparison_axes)]
    return {
        "samples": len(j.sample_ids),
        "judgments": len(j.samples),
        "agreement": {c: _agreement(j, c) for c in criteria},
        "position_bias": _position_bias(j),
        "physicians": _physicians(j),
        "models": {c: _strengths(j, c, models) for c in criteria},
        "models_by_specialty": {
            code: _strengths(j, OVERALL, models, code)
            for code in sorted({j.specialties[s] for s in j.sample_ids if s in j.specialties})
        },
    }
