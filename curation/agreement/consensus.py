"""Consensus per item: Dawid-Skene posterior or majority vote for categories, median for scales.

Each consensus carries a confidence in [0, 1]: the posterior (or vote share) of the chosen
category; for scales, the share of ratings within one step of the median. Ratings marked not
applicable count against the confidence: an item where most raters said "not applicable" gets
that as its consensus, otherwise the confidence is scaled by the share who rated it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .dawid_skene import DawidSkeneResult, dawid_skene
from .matrix import MISSING, Ratings, row_argmax, row_max, row_sum, value_counts

NOT_APPLICABLE = MISSING
METHODS = ("dawid_skene", "majority")


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


def consensus(ratings: Ratings, *, scale: bool, method: str = "dawid_skene") -> Consensus:
    """Consensus of one criterion for every item (`scale` for ordinal criteria)."""
    if method not in METHODS:
        raise ValueError(f"unknown consensus method {method!r}; expected one of {METHODS}")
    counts = value_counts(ratings)
    n_rated = row_sum(counts)
    n_na = np.bincount(ratings.items[ratings.codes < 0], minlength=ratings.n_items)
    ds = None
    if scale:
        values, conf = median_consensus(counts)
    elif method == "dawid_skene":
        ds = dawid_skene(ratings)
        post = np.nan_to_num(ds.posteriors, nan=0.0)
        values, conf = row_argmax(post), row_max(post)
    else:
        values, conf = majority_vote(counts)
    values, conf = _not_applicable(values, conf, n_rated, n_na)
    if ds is not None:
        # Only the confusion matrices outlive this call; the posteriors are in values/conf.
        ds = replace(ds, posteriors=ds.posteriors[:0], labels=ds.labels[:0])
    return Consensus(values.astype(np.int32), conf, ds)


def leave_one_out(ratings: Ratings, *, scale: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per rater: (ratings compared, ratings agreeing) against the consensus of the others.

    The others' consensus is their majority (skipped on a tie) or, for scales, their median,
    with agreement meaning within one step of it.
    """
    r = ratings.present()
    n_raters = int(ratings.raters.max()) + 1 if ratings.raters.size else 0
    counts = value_counts(r)
    others = counts[r.items].copy()
    rows = np.arange(r.codes.size)
    others[rows, r.codes] -= 1
    if scale:
        med = lower_median(others)
        compared = row_sum(others) > 0
        agree = compared & (np.abs(r.codes - med) <= 1)
    else:
        top = row_max(others)
        compared = (top > 0) & (row_sum(others == top[:, None]) == 1)
        agree = compared & (row_argmax(others) == r.codes)
    return (
        np.bincount(r.raters, weights=compared, minlength=n_raters),
        np.bincount(r.raters, weights=agree, minlength=n_raters),
    )
