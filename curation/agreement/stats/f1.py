"""HealthBench's balanced (macro) F1 for binary grades."""

from __future__ import annotations

import numpy as np

from curation.agreement.stats.matrix import Ratings, rating_pairs


def balanced_f1(reference: np.ndarray, other: np.ndarray) -> float | None:
    """Mean of the F1 of "met" and of "not met" (classes absent from both arrays are skipped).

    Symmetric in its arguments: swapping them swaps false positives and false negatives.
    """
    reference = np.asarray(reference, dtype=np.int64)
    other = np.asarray(other, dtype=np.int64)
    if reference.size == 0:
        return None
    confusion = np.bincount(reference * 2 + other, minlength=4).reshape(2, 2)
    scores = []
    for c in (0, 1):
        tp = confusion[c, c]
        fp = confusion[1 - c, c]
        fn = confusion[c, 1 - c]
        if tp + fp + fn == 0:
            continue
        scores.append(2.0 * tp / (2.0 * tp + fp + fn))
    return float(np.mean(scores)) if scores else None


def pairwise_balanced_f1(ratings: Ratings) -> tuple[float | None, int]:
    """Balanced F1 over every pair of ratings of the same item, and how many pairs there were."""
    r = ratings.present()
    a, b = rating_pairs(r)
    return balanced_f1(r.codes[a], r.codes[b]), int(a.size)
