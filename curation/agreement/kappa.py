"""Fleiss' kappa over items, and Cohen's kappa (optionally weighted) between pairs of raters."""

from __future__ import annotations

import numpy as np

from .matrix import Ratings, pairable, rating_pairs

WEIGHTS = (None, "linear", "quadratic")


def fleiss_kappa(counts: np.ndarray) -> tuple[float | None, str]:
    """Fleiss (1971) kappa of an items x categories count matrix, and why not when it is not.

    Items rated once are left out first; the remaining items must all have the same number of
    ratings, as the statistic assumes.
    """
    table = pairable(counts).astype(float)
    if table.shape[0] == 0:
        return None, "no item has two ratings"
    m = table.sum(axis=1)
    if not np.all(m == m[0]):
        sizes = ", ".join(str(int(s)) for s in np.unique(m))
        return None, f"not applicable: items have different numbers of ratings ({sizes})"
    n = m[0]
    p_j = table.sum(axis=0) / table.sum()
    p_i = ((table * table).sum(axis=1) - n) / (n * (n - 1))
    p_bar = p_i.mean()
    p_e = (p_j * p_j).sum()
    if p_e == 1.0:
        return None, "undefined: every rating fell in one category"
    return float((p_bar - p_e) / (1.0 - p_e)), ""


def weight_matrix(k: int, weights: str | None) -> np.ndarray:
    idx = np.arange(k)
    diff = np.abs(idx[:, None] - idx[None, :]).astype(float)
    if weights is None:
        return (diff > 0).astype(float)
    if weights == "linear":
        return diff
    if weights == "quadratic":
        return diff**2
    raise ValueError(f"unknown weights {weights!r}; expected one of {WEIGHTS}")


def kappa_from_confusion(confusion: np.ndarray, weights: str | None = None) -> np.ndarray:
    """Cohen's kappa from (..., K, K) confusion matrices, as scikit-learn's cohen_kappa_score."""
    confusion = np.asarray(confusion, dtype=float)
    k = confusion.shape[-1]
    w = weight_matrix(k, weights)
    total = confusion.sum(axis=(-2, -1))
    expected = confusion.sum(axis=-1)[..., :, None] * confusion.sum(axis=-2)[..., None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = expected / total[..., None, None]
        return 1.0 - (w * confusion).sum(axis=(-2, -1)) / (w * expected).sum(axis=(-2, -1))


def cohen_kappa(a: np.ndarray, b: np.ndarray, k: int, weights: str | None = None) -> float | None:
    """Cohen's kappa of two equal-length code arrays over categories 0..k-1."""
    confusion = np.bincount(np.asarray(a) * k + np.asarray(b), minlength=k * k).reshape(k, k)
    value = float(kappa_from_confusion(confusion, weights))
    return None if np.isnan(value) else value


def pairwise_cohen(ratings: Ratings, weights: str | None = None, *, min_shared: int = 20) -> dict:
    """Cohen's kappa for every pair of raters sharing at least `min_shared` items.

    Returns the pairs (rater_a < rater_b), how many items each pair shares, and the kappas
    (NaN where undefined), all as arrays.
    """
    r = ratings.present()
    k = r.n_categories
    a, b = rating_pairs(r)
    ra, rb, ca, cb = r.raters[a], r.raters[b], r.codes[a], r.codes[b]
    swap = ra > rb
    ra, rb = np.where(swap, rb, ra), np.where(swap, ra, rb)
    ca, cb = np.where(swap, cb, ca), np.where(swap, ca, cb)
    n_raters = int(r.raters.max()) + 1 if r.raters.size else 0
    pair_key = ra * n_raters + rb
    uniq, inverse, shared = np.unique(pair_key, return_inverse=True, return_counts=True)
    keep = shared >= min_shared
    empty = {
        "rater_a": np.zeros(0, dtype=np.int64),
        "rater_b": np.zeros(0, dtype=np.int64),
        "n_shared": np.zeros(0, dtype=np.int64),
        "kappa": np.zeros(0),
    }
    if not keep.any():
        return empty
    slot = np.full(uniq.size, -1)
    slot[keep] = np.arange(int(keep.sum()))
    rows = slot[inverse]
    use = rows >= 0
    flat = np.bincount(
        rows[use] * k * k + ca[use] * k + cb[use], minlength=int(keep.sum()) * k * k
    ).reshape(-1, k, k)
    return {
        "rater_a": uniq[keep] // n_raters,
        "rater_b": uniq[keep] % n_raters,
        "n_shared": shared[keep],
        "kappa": kappa_from_confusion(flat, weights),
    }
