"""Krippendorff's alpha from value counts, with a bootstrap interval over items.

The coincidence matrix is built from the distinct value-count patterns (see `matrix.patterns`), so
a million items cost a few matrix products; the bootstrap draws how often each pattern occurs in a
resample (a multinomial over patterns is exactly resampling items with replacement).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from curation.agreement.stats.matrix import patterns, row_sum

LEVELS = ("nominal", "ordinal", "interval")


@dataclass(frozen=True)
class AlphaResult:
    value: float | None
    low: float | None
    high: float | None
    n_items: int  # items with at least two ratings (the ones alpha uses)
    n_single: int  # items rated once, left out
    n_pairable_values: int
    observed_agreement: float | None
    note: str = ""

    def as_dict(self) -> dict:
        return {
            "alpha": self.value,
            "ci_low": self.low,
            "ci_high": self.high,
            "n_items": self.n_items,
            "n_single_rated_left_out": self.n_single,
            "n_values": self.n_pairable_values,
            "observed_agreement": self.observed_agreement,
            "note": self.note,
        }


def distances(level: str, n_v: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
    """Squared distances between categories; `n_v` has shape (..., K) for batched ordinal."""
    k = n_v.shape[-1]
    idx = np.arange(k)
    if level == "nominal":
        d = (idx[:, None] != idx[None, :]).astype(float)
        return np.broadcast_to(d, (*n_v.shape[:-1], k, k))
    if level == "interval":
        v = np.arange(k, dtype=float) if values is None else np.asarray(values, dtype=float)
        d = (v[:, None] - v[None, :]) ** 2
        return np.broadcast_to(d, (*n_v.shape[:-1], k, k))
    if level == "ordinal":
        n_v = np.asarray(n_v, dtype=float)
        cs = np.cumsum(n_v, axis=-1)
        lo = np.minimum(idx[:, None], idx[None, :])
        hi = np.maximum(idx[:, None], idx[None, :])
        between = cs[..., hi] - cs[..., lo] + n_v[..., lo]  # sum of n_g for lo <= g <= hi
        return (between - (n_v[..., lo] + n_v[..., hi]) / 2.0) ** 2
    raise ValueError(f"unknown level of measurement {level!r}; expected one of {LEVELS}")


def _pattern_coincidences(vc: np.ndarray) -> np.ndarray:
    """P x K x K: each pattern's contribution to the coincidence matrix."""
    vc = vc.astype(float)
    m = vc.sum(axis=1)
    outer = vc[:, :, None] * vc[:, None, :]
    k = vc.shape[1]
    outer[:, np.arange(k), np.arange(k)] -= vc
    return outer / (m - 1)[:, None, None]


def _alpha_from_coincidences(o: np.ndarray, level: str, values: np.ndarray | None) -> np.ndarray:
    """o has shape (..., K, K); returns alpha per leading index (NaN where undefined)."""
    n_v = o.sum(axis=-2)
    n = n_v.sum(axis=-1)
    d = distances(level, n_v, values)
    observed = (o * d).sum(axis=(-2, -1))
    expected = (n_v[..., :, None] * n_v[..., None, :] * d).sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1.0 - (n - 1.0) * observed / expected


def _pairable_patterns(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Distinct rows of items rated at least twice, their frequencies, and how many rated once."""
    pats, freq = patterns(np.asarray(counts))
    m = row_sum(pats)
    return pats[m >= 2], freq[m >= 2], int(freq[m == 1].sum())


def alpha(counts: np.ndarray, level: str = "nominal", values=None) -> float | None:
    """Krippendorff's alpha of an items x categories value-count matrix; None when undefined."""
    pats, freq, _ = _pairable_patterns(counts)
    if not len(freq):
        return None
    o = np.tensordot(freq.astype(float), _pattern_coincidences(pats), axes=1)
    if o.sum() == 0:
        return None
    result = float(_alpha_from_coincidences(o, level, values))
    return None if np.isnan(result) else result


def observed_agreement(counts: np.ndarray) -> float | None:
    """Mean over items (rated twice or more) of the share of rating pairs that agree."""
    pats, freq, _ = _pairable_patterns(counts)
    return _observed_agreement(pats, freq)


def _observed_agreement(pats: np.ndarray, freq: np.ndarray) -> float | None:
    if not len(freq):
        return None
    m = pats.sum(axis=1).astype(float)
    per_pattern = (pats * (pats - 1)).sum(axis=1) / (m * (m - 1))
    return float((per_pattern * freq).sum() / freq.sum())


def alpha_with_interval(
    counts: np.ndarray,
    level: str = "nominal",
    values=None,
    *,
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int = 20240601,
) -> AlphaResult:
    """Alpha, a percentile bootstrap interval over items, and the counts behind them."""
    pats, freq, n_single = _pairable_patterns(counts)
    n_items = int(freq.sum())
    agreement = _observed_agreement(pats, freq)
    if n_items == 0:
        return AlphaResult(None, None, None, 0, n_single, 0, None, "no item has two ratings")
    per_pattern = _pattern_coincidences(pats)
    o = np.tensordot(freq.astype(float), per_pattern, axes=1)
    n_values = int(round(o.sum()))
    point = float(_alpha_from_coincidences(o, level, values))
    if np.isnan(point):
        return AlphaResult(
            None,
            None,
            None,
            n_items,
            n_single,
            n_values,
            agreement,
            "undefined: every rating fell in one category (no variation to agree on)",
        )
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n_items, freq / n_items, size=n_boot).astype(float)
    boot = _alpha_from_coincidences(np.tensordot(draws, per_pattern, axes=1), level, values)
    boot = boot[~np.isnan(boot)]
    tail = (1.0 - confidence) / 2.0
    low, high = (
        (float(np.quantile(boot, tail)), float(np.quantile(boot, 1.0 - tail)))
        if boot.size
        else (None, None)
    )
    return AlphaResult(point, low, high, n_items, n_single, n_values, agreement)
