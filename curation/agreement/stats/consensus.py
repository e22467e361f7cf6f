"""Consensus per item: Dawid-Skene posterior or majority vote for categories, median for scales.

Each consensus carries a confidence in [0, 1]: the posterior (or vote share) of the chosen
category; for scales, the share of ratings within one step of the median. A Dawid-Skene
posterior is capped at the chosen category's vote share when at most half the raters chose it:
reliability weights may pick among split votes, but a split (accept, revise, reject) never reads
as a confident consensus, and so never settles without a lead. Ratings marked not
applicable count against the confidence: an item where most raters said "not applicable" gets
that as its consensus, otherwise the confidence is scaled by the share who rated it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from curation.agreement.stats.dawid_skene import DawidSkeneResult, dawid_skene
from curation.agreement.stats.matrix import (
    MISSING,
    Ratings,
    count_patterns,
    row_argmax,
    row_max,
    row_sum,
)

NOT_APPLICABLE = MISSING
METHODS = ("dawid_skene", "majority")
# Leave-one-out counts each rater's ratings per (pattern, category) while that table is this small.
PER_RATER_TABLE_LIMIT = 1 << 22


@dataclass(frozen=True)
class Consensus:
    values: np.ndarray  # n_items codes; NOT_APPLICABLE where most said not applicable
    confidence: np.ndarray  # n_items; NaN for items nobody rated
    ds: DawidSkeneResult | None = None


def majority_vote(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = row_sum(counts)
    with np.errstate(invalid="ignore", divide="ignore"):
        return row_argmax(counts), row_max(counts) / m


def lower_median(counts: np.ndarray) -> np.ndarray:
    """Index of the lower median category of each row of a count matrix (0 for empty rows)."""
    m = row_sum(counts)
    below = np.zeros(counts.shape[0], dtype=np.int64)
    cum = np.zeros_like(m)
    for j in range(counts.shape[1]):
        cum += counts[:, j]
        below += cum * 2 < m
    return below.clip(max=counts.shape[1] - 1)


def median_consensus(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = row_sum(counts)
    med = lower_median(counts)
    padded = np.pad(counts, ((0, 0), (1, 1)))
    rows = np.arange(counts.shape[0])
    near = padded[rows, med] + padded[rows, med + 1] + padded[rows, med + 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        return med, near / m


def _not_applicable(
    values: np.ndarray, confidence: np.ndarray, n_rated: np.ndarray, n_na: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    total = n_rated + n_na
    with np.errstate(invalid="ignore", divide="ignore"):
        mostly_na = n_na > n_rated
        values = np.where(mostly_na, NOT_APPLICABLE, values)
        confidence = np.where(
            mostly_na, n_na / total, np.where(n_rated > 0, confidence * n_rated / total, 0.0)
        )
    confidence = np.where(total == 0, np.nan, confidence)
    return values, confidence


def _capped_by_votes(
    conf: np.ndarray, values: np.ndarray, counts: np.ndarray, n_rated: np.ndarray, pattern
) -> np.ndarray:
    """The posterior, never above the chosen category's vote share where that is at most 1/2."""
    votes = counts[pattern, np.maximum(values, 0)]
    rated = n_rated[pattern]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = votes / rated
    split = (rated > 0) & (share * 2 <= 1)
    return np.where(split, np.minimum(conf, share), conf)


def consensus(ratings: Ratings, *, scale: bool, method: str = "dawid_skene") -> Consensus:
    """Consensus of one criterion for every item (`scale` for ordinal criteria).

    Medians, vote shares and the not-applicable rule depend on an item's counts alone, so they are
    worked out once per distinct count pattern and gathered; Dawid-Skene's label and posterior are
    per item, and only the items with a missing rating (or none at all) need the rule applied.
    """
    if method not in METHODS:
        raise ValueError(f"unknown consensus method {method!r}; expected one of {METHODS}")
    ratings = ratings.contiguous()
    k = ratings.n_categories
    rows, pattern = count_patterns(ratings)
    counts, n_na = rows[:, :k], rows[:, k]
    n_rated = row_sum(counts)
    if scale or method != "dawid_skene":
        values, conf = median_consensus(counts) if scale else majority_vote(counts)
        values, conf = _not_applicable(values, conf, n_rated, n_na)
        return Consensus(values.astype(np.int32)[pattern], conf[pattern])
    ds = dawid_skene(ratings, posteriors=False)
    values = ds.labels.astype(np.int32)
    conf = _capped_by_votes(ds.confidence, values, counts, n_rated, pattern)
    special = (n_na > 0) | (n_rated == 0)
    if special.any():
        items = np.flatnonzero(special[pattern])
        p = pattern[items]
        v, c = _not_applicable(
            np.maximum(values[items], 0), np.nan_to_num(conf[items]), n_rated[p], n_na[p]
        )
        values[items] = v
        conf[items] = c
    # Only the confusion matrices outlive this call; the posteriors are in values/conf.
    ds = replace(ds, labels=np.zeros(0, dtype=ds.labels.dtype), confidence=None)  # no view
    return Consensus(values, conf, ds)


def leave_one_out(ratings: Ratings, *, scale: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per rater: (ratings compared, ratings agreeing) against the consensus of the others.

    The others' consensus is their majority (skipped on a tie) or, for scales, their median,
    with agreement meaning within one step of it.

    The outcome of a rating depends only on its item's count pattern and its own category, so it
    is decided once per (pattern, category) and each rater's ratings are counted per pair.
    """
    ratings = ratings.contiguous()
    n_raters = int(ratings.raters.max()) + 1 if ratings.raters.size else 0
    k = ratings.n_categories
    rows, pattern = count_patterns(ratings)
    n_patterns = rows.shape[0]
    # others[p * k + c]: the counts of pattern p without one rating of category c.
    own = np.tile(np.arange(k), n_patterns)
    others = np.repeat(rows[:, :k], k, axis=0)
    others[np.arange(own.size), own] -= 1
    possible = others[np.arange(own.size), own] >= 0
    if scale:
        med = lower_median(others)
        compared = possible & (row_sum(others) > 0)
        agree = compared & (np.abs(own - med) <= 1)
    else:
        top = row_max(others)
        compared = possible & (top > 0) & (row_sum(others == top[:, None]) == 1)
        agree = compared & (row_argmax(others) == own)
    # Column 0 of each pattern is a missing rating of one's own (never compared), column c + 1
    # category c, so a rating's column is its code + 1.
    width = k + 1
    table = np.zeros((2, n_patterns, width))
    table[0, :, 1:] = compared.reshape(n_patterns, k)
    table[1, :, 1:] = agree.reshape(n_patterns, k)
    key = np.take(pattern * width + 1, ratings.items)
    key += ratings.codes
    if n_raters * n_patterns * width > PER_RATER_TABLE_LIMIT:
        return tuple(
            np.bincount(ratings.raters, weights=np.take(t.ravel(), key), minlength=n_raters)
            for t in table
        )
    key += ratings.raters * (n_patterns * width)
    per_rater = np.bincount(key, minlength=n_raters * n_patterns * width)
    per_rater = per_rater.reshape(n_raters, n_patterns * width).astype(float)
    return per_rater @ table[0].ravel(), per_rater @ table[1].ravel()
