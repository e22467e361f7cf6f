"""Figures of side-by-side comparisons, numpy only.

Judgments arrive as flat arrays (one entry per judgment), categories as small ints: the response's
position in the sample as imported (0..3), or `TIE_CODE`. Models are ints too.

- `bradley_terry`: strengths (log scale, mean zero) from weighted pairwise outcomes, by Newton's
  method on the counts aggregated into an n x n matrix (so 1M comparisons cost one `bincount`),
  with Fisher-information (Wald) intervals; a tie is half a win for each side.
- `position_bias`: how often the response shown first wins, with a Wilson interval, beside the
  rate chance would give.
- `unanimous_share`, `agreement_with_others`: per judgment, does the physician agree with the
  plurality of the other physicians of that sample (leave-one-out)?
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TIE_CODE = 4
N_CODES = 5
Z95 = 1.959963984540054


def wilson(
    successes: int, n: int, z: float = Z95
) -> tuple[float | None, float | None, float | None]:
    """The share and its Wilson score interval; (None, None, None) for n = 0."""
    if n <= 0:
        return None, None, None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return p, float(max(0.0, centre - half)), float(min(1.0, centre + half))


@dataclass(frozen=True)
class Strengths:
    strength: np.ndarray  # log strengths, mean zero
    se: np.ndarray
    low: np.ndarray
    high: np.ndarray
    comparisons: np.ndarray  # pairwise outcomes each item took part in (weighted)
    wins: np.ndarray
    converged: bool
    iterations: int
    ridge: float = 0.0


def pair_counts(n_items: int, winners, losers, weights=None) -> np.ndarray:
    """W[i, j]: (weighted) number of times i beat j."""
    w, lo = np.asarray(winners, dtype=np.int64), np.asarray(losers, dtype=np.int64)
    counts = np.bincount(w * n_items + lo, weights=weights, minlength=n_items * n_items)
    return counts.reshape(n_items, n_items).astype(float)


def bradley_terry(
    n_items: int,
    winners,
    losers,
    weights=None,
    *,
    ridge: float = 0.0,
    tol: float = 1e-12,
    max_iter: int = 200,
) -> Strengths:
    """Maximum-likelihood Bradley-Terry strengths (with an optional L2 `ridge` penalty, which
    keeps them finite when one item never loses) and 95% Wald intervals."""
    return bradley_terry_counts(
        pair_counts(n_items, winners, losers, weights), ridge=ridge, tol=tol, max_iter=max_iter
    )


def bradley_terry_counts(
    wins: np.ndarray, *, ridge: float = 0.0, tol: float = 1e-12, max_iter: int = 200
) -> Strengths:
    n = wins.shape[0]
    total = wins + wins.T
    won = wins.sum(axis=1)
    theta = np.zeros(n)
    centre = np.full((n, n), 1.0 / n)
    converged, iteration = False, 0
    for iteration in range(1, max_iter + 1):  # noqa: B007 - reported
        p = 1.0 / (1.0 + np.exp(theta[None, :] - theta[:, None]))  # P(i beats j)
        grad = won - (total * p).sum(axis=1) - ridge * theta
        info = total * p * (1.0 - p)
        lap = np.diag(info.sum(axis=1)) - info + ridge * np.eye(n)
        # Least squares: a comparison graph in pieces leaves the system singular (no finite
        # optimum; the caller adds a ridge), and must not raise.
        step = np.linalg.lstsq(lap + centre, grad, rcond=None)[0]
        biggest = np.abs(step).max() if n else 0.0
        if biggest > 3.0:  # far from the optimum: a damped step keeps Newton from overshooting
            step *= 3.0 / biggest
        theta += step
        theta -= theta.mean()
        if biggest < tol:
            converged = True
            break
    p = 1.0 / (1.0 + np.exp(theta[None, :] - theta[:, None]))
    info = total * p * (1.0 - p)
    lap = np.diag(info.sum(axis=1)) - info + ridge * np.eye(n)
    # The covariance of the mean-zero strengths: the pseudo-inverse of the information.
    cov = np.linalg.pinv(lap) if ridge == 0 else np.linalg.inv(lap)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    return Strengths(
        theta,
        se,
        theta - Z95 * se,
        theta + Z95 * se,
        total.sum(axis=1),
        won,
        converged,
        iteration,
        ridge,
    )


def value_counts(items, codes, n_items: int) -> np.ndarray:
    """items x codes matrix of how many judgments chose each code."""
    items, codes = np.asarray(items, dtype=np.int64), np.asarray(codes, dtype=np.int64)
    flat = np.bincount(items * N_CODES + codes, minlength=n_items * N_CODES)
    return flat.reshape(n_items, N_CODES)


def unanimous_share(counts: np.ndarray) -> tuple[float | None, int]:
    """Share of items judged twice or more on which every judgment chose the same."""
    m = counts.sum(axis=1)
    several = m >= 2
    n = int(several.sum())
    if not n:
        return None, 0
    return float((counts[several].max(axis=1) == m[several]).sum() / n), n


def agreement_with_others(items, codes, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per judgment: (counted, agrees). Counted when the other judgments of its item have a single
    most chosen code; agrees when this judgment chose it."""
    items, codes = np.asarray(items, dtype=np.int64), np.asarray(codes, dtype=np.int64)
    others = counts[items].astype(np.int64)
    rows = np.arange(len(items))
    others[rows, codes] -= 1
    top = others.max(axis=1)
    single = (others == top[:, None]).sum(axis=1) == 1
    counted = single & (others.sum(axis=1) > 0)
    agrees = counted & (others[rows, codes] == top)
    return counted, agrees


def position_bias(first_won, n_shown) -> dict:
    """first_won: per judgment with a preferred response (not a tie), whether it was the one
    shown first; n_shown: how many responses that judgment saw (chance is 1/n)."""
    first_won = np.asarray(first_won, dtype=bool)
    n = int(first_won.size)
    rate, low, high = wilson(int(first_won.sum()), n)
    chance = float(np.mean(1.0 / np.asarray(n_shown, dtype=float))) if n else None
    return {
        "first_shown_wins": rate,
        "ci_low": low,
        "ci_high": high,
        "n": n,
        "chance": chance,
    }
