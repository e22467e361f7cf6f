"""Model graders against physicians on sample criteria (HealthBench's meta-evaluation).

For each criterion the physicians' majority (met / not met; ties left out) is set against the
model grader's decision; the macro F1 over the two classes is reported overall and per group
(axis, theme) with a bootstrap interval, beside the physicians' own agreement: each physician
against the majority of the other physicians on the same criterion.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from curation.agreement.stats.f1 import balanced_f1

TRUST_F1 = 0.75  # a grader at or above this (lower bound of its interval) is called trustworthy


@dataclass
class CriterionVotes:
    """One criterion: the physicians' votes, the model's decision, and its groups."""

    physicians: Sequence[bool]
    model: bool | None
    groups: Sequence[str] = ()


def majority(votes: Sequence[bool]) -> bool | None:
    yes = sum(bool(v) for v in votes)
    no = len(votes) - yes
    if yes == no:
        return None
    return yes > no


def _macro_f1_of_counts(counts: np.ndarray) -> np.ndarray:
    """Macro F1 of confusion counts [..., 4] (cells ref*2 + other), as `balanced_f1` computes
    it: a class absent from both sides is left out; NaN when both are."""
    nn, ny, yn, yy = (counts[..., i].astype(np.float64) for i in range(4))
    scores = []
    for tp, fp, fn in ((yy, ny, yn), (nn, yn, ny)):
        denom = 2 * tp + fp + fn
        with np.errstate(invalid="ignore", divide="ignore"):
            scores.append(np.where(denom > 0, 2 * tp / denom, np.nan))
    with np.errstate(invalid="ignore"):
        return np.nanmean(np.stack(scores), axis=0) if scores else np.array([])


def bootstrap_interval(
    reference: np.ndarray, other: np.ndarray, *, rounds: int = 1000, seed: int = 0
) -> tuple[float | None, float | None]:
    """95% percentile interval of the macro F1, resampling criteria with replacement.

    Resampling n criteria only moves the four confusion counts, so each round draws them from
    the multinomial of the observed cells: the same distribution, without n x rounds indices.
    """
    n = reference.size
    if n == 0:
        return None, None
    cells = np.bincount(reference * 2 + other, minlength=4)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, cells / n, size=rounds)
    with np.errstate(invalid="ignore"):
        values = _macro_f1_of_counts(draws)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return None, None
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


def _pairs_model(items: Sequence[CriterionVotes]) -> tuple[np.ndarray, np.ndarray]:
    ref, out = [], []
    for item in items:
        m = majority(item.physicians)
        if m is None or item.model is None:
            continue
        ref.append(m)
        out.append(item.model)
    return np.array(ref, dtype=np.int64), np.array(out, dtype=np.int64)


def _pairs_physicians(items: Sequence[CriterionVotes]) -> tuple[np.ndarray, np.ndarray]:
    ref, out = [], []
    for item in items:
        votes = list(item.physicians)
        for i, vote in enumerate(votes):
            m = majority(votes[:i] + votes[i + 1 :])
            if m is None:
                continue
            ref.append(m)
            out.append(vote)
    return np.array(ref, dtype=np.int64), np.array(out, dtype=np.int64)


def _block(items: Sequence[CriterionVotes], *, rounds: int, seed: int) -> dict:
    ref, out = _pairs_model(items)
    low, high = bootstrap_interval(ref, out, rounds=rounds, seed=seed)
    p_ref, p_out = _pairs_physicians(items)
    p_low, p_high = bootstrap_interval(p_ref, p_out, rounds=rounds, seed=seed)
    f1 = balanced_f1(ref, out)
    physicians = balanced_f1(p_ref, p_out)
    return {
        "criteria": int(ref.size),
        "model_f1": f1,
        "model_f1_interval": [low, high],
        "physician_f1": physicians,
        "physician_f1_interval": [p_low, p_high],
        "trusted": bool(
            low is not None
            and low >= TRUST_F1
            and (physicians is None or f1 is None or f1 >= physicians - 0.05)
        ),
    }


def meta_evaluation(items: Sequence[CriterionVotes], *, rounds: int = 1000, seed: int = 0) -> dict:
    """{'overall': block, 'groups': {group: block}}; a block gives model and physician F1."""
    groups: dict[str, list[CriterionVotes]] = defaultdict(list)
    for item in items:
        for g in item.groups:
            groups[g].append(item)
    return {
        "overall": _block(items, rounds=rounds, seed=seed),
        "groups": {g: _block(v, rounds=rounds, seed=seed) for g, v in sorted(groups.items())},
    }
