"""Distinct values and per-group medians of integer keys, in linear time where the keys allow.

Ids of samples, raters and rater pairs are small or dense integers; a lookup table finds their
distinct values without sorting millions of them. numpy's `unique` remains the fallback.
"""

from __future__ import annotations

import numpy as np


def dense_unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(values, return_inverse=True)` for integers, by lookup table when dense."""
    values = np.asarray(values)
    if not len(values):
        return values[:0].astype(np.int64), np.zeros(0, dtype=np.int64)
    low = int(values.min())
    span = int(values.max()) - low + 1
    if span > 4 * len(values) + 1_000_000:
        return np.unique(values, return_inverse=True)
    present = np.zeros(span, dtype=bool)
    shifted = values - low
    present[shifted] = True
    position = np.cumsum(present, dtype=np.int64) - 1
    return np.flatnonzero(present) + low, position[shifted]


def present_ids(values: np.ndarray, n: int) -> np.ndarray:
    """The distinct values of `values` (integers in [0, n)), ascending."""
    return np.flatnonzero(np.bincount(values, minlength=n) > 0)


def median_by(groups: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Median of `values` per group 0..n-1 (NaN values ignored; NaN for empty groups)."""
    out = np.full(n, np.nan)
    keep = ~np.isnan(values)
    g, v = groups[keep], values[keep]
    if not g.size:
        return out
    # A stable sort of small integers is a radix sort: linear, unlike sorting by value too.
    order = np.argsort(g.astype(np.uint16) if n <= 65_536 else g, kind="stable")
    g, v = g[order], v[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    ends = np.r_[starts[1:], g.size]
    for start, end in zip(starts, ends, strict=True):
        out[g[start]] = np.median(v[start:end])
    return out
