"""Fleiss' kappa over items, and Cohen's kappa (optionally weighted) between pairs of raters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from curation.agreement.stats.indexing import dense_unique
from curation.agreement.stats.matrix import Ratings, pairable, rating_pairs, row_sum

WEIGHTS = (None, "linear", "quadratic")


def fleiss_kappa(counts: np.ndarray) -> tuple[float | None, str]:
    """Fleiss (1971) kappa of an items x categories count matrix, and why not when it is not.

    Items rated once are left out first; the remaining items must all have the same number of
    ratings, as the statistic assumes.
    """
    table = pairable(counts).astype(float)
    if table.shape[0] == 0:
        return None, "no item has two ratings"
    m = row_sum(table)
    if not np.all(m == m[0]):
        sizes = ", ".join(str(int(s)) for s in np.unique(m))
        return None, f"not applicable: items have different numbers of ratings ({sizes})"
    n = m[0]
    p_j = table.sum(axis=0) / table.sum()
    p_i = (row_sum(table * table) - n) / (n * (n - 1))
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


@dataclass(frozen=True)
class PairIndex:
    """Every pair of ratings of one item, and which pair of raters each belongs to.

    Built once over all rows (missing codes included) and shared by every criterion, since the
    criteria of one review set have the same rows.
    """

    a: np.ndarray  # row of the lower-numbered rater
    b: np.ndarray  # row of the higher-numbered rater
    slot: np.ndarray  # per rating pair: index into rater_a / rater_b
    rater_a: np.ndarray
    rater_b: np.ndarray


def pair_index(ratings: Ratings) -> PairIndex:
    a, b = rating_pairs(ratings)
    swap = ratings.raters[a] > ratings.raters[b]
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    ra, rb = ratings.raters[a], ratings.raters[b]
    n_raters = int(ratings.raters.max()) + 1 if ratings.raters.size else 0
    uniq, slot = dense_unique(ra * n_raters + rb)
    return PairIndex(a, b, slot, uniq // max(n_raters, 1), uniq % max(n_raters, 1))


def pairwise_confusion(
    ratings: Ratings, *, min_shared: int = 20, index: PairIndex | None = None
) -> dict:
    """Per pair of raters sharing at least `min_shared` rated items: their K x K confusion."""
    index = index or pair_index(ratings)
    k = ratings.n_categories
    ca, cb = ratings.codes[index.a], ratings.codes[index.b]
    valid = (ca >= 0) & (cb >= 0)
    shared = np.bincount(index.slot[valid], minlength=index.rater_a.size)
    keep = shared >= min_shared
    position = np.cumsum(keep) - 1
    use = valid & keep[index.slot]
    n_kept = int(keep.sum())
    flat = np.bincount(
        position[index.slot[use]] * k * k + ca[use] * k + cb[use], minlength=n_kept * k * k
    )
    return {
        "rater_a": index.rater_a[keep],
        "rater_b": index.rater_b[keep],
        "n_shared": shared[keep],
        "confusion": flat.reshape(n_kept, k, k),
    }


def pairwise_cohen(
    ratings: Ratings,
    weights: str | None = None,
    *,
    min_shared: int = 20,
    index: PairIndex | None = None,
) -> dict:
    """Cohen's kappa for every pair of raters sharing at least `min_shared` rated items.

    Returns the pairs (rater_a < rater_b), how many items each pair shares, and the kappas
    (NaN where undefined), all as arrays.
    """
    pairs = pairwise_confusion(ratings, min_shared=min_shared, index=index)
    confusion = pairs.pop("confusion")
    pairs["kappa"] = kappa_from_confusion(confusion, weights) if len(confusion) else np.zeros(0)
    return pairs
