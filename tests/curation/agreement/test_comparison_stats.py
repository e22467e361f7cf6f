"""Comparison statistics against independent implementations: `krippendorff` and `choix`."""

from __future__ import annotations

import choix
import krippendorff
import numpy as np
import pytest

from curation.agreement.stats.alpha import alpha
from curation.agreement.stats.comparison import (
    TIE_CODE,
    agreement_with_others,
    bradley_terry,
    position_bias,
    unanimous_share,
    value_counts,
    wilson,
)


def _simulated(seed: int, n_items: int, n_pairs: int):
    rng = np.random.default_rng(seed)
    true = rng.normal(scale=1.2, size=n_items)
    i = rng.integers(0, n_items, n_pairs)
    j = (i + rng.integers(1, n_items, n_pairs)) % n_items
    won = rng.random(n_pairs) < 1 / (1 + np.exp(true[j] - true[i]))
    return np.where(won, i, j), np.where(won, j, i)


@pytest.mark.parametrize(("seed", "n_items", "n_pairs"), [(1, 2, 50), (2, 4, 600), (3, 9, 4000)])
def test_bradley_terry_matches_choix(seed, n_items, n_pairs):
    winners, losers = _simulated(seed, n_items, n_pairs)
    ours = bradley_terry(n_items, winners, losers)
    theirs = choix.ilsr_pairwise(n_items, list(zip(winners, losers)), tol=1e-13, max_iter=5000)
    assert ours.converged
    np.testing.assert_allclose(ours.strength, theirs, atol=1e-6)
    assert np.isclose(ours.strength.mean(), 0)


def test_bradley_terry_with_weights_equals_repeated_outcomes():
    winners, losers = _simulated(4, 5, 800)
    repeated = bradley_terry(5, np.repeat(winners, 3), np.repeat(losers, 3))
    weighted = bradley_terry(5, winners, losers, np.full(800, 3.0))
    np.testing.assert_allclose(weighted.strength, repeated.strength, atol=1e-10)
    theirs = choix.ilsr_pairwise(5, list(zip(winners, losers)), tol=1e-13, max_iter=5000)
    np.testing.assert_allclose(weighted.strength, theirs, atol=1e-6)


def test_bradley_terry_intervals_cover_and_shrink_with_data():
    small = bradley_terry(3, *_simulated(5, 3, 300))
    large = bradley_terry(3, *_simulated(5, 3, 30000))
    assert np.all(small.low < small.strength) and np.all(small.strength < small.high)
    assert np.all(large.se < small.se / 5)


def test_bradley_terry_ridge_keeps_an_unbeaten_model_finite():
    # Model 0 beats everybody, always: no finite maximum likelihood without a prior.
    winners = np.array([0, 0, 0, 1, 2, 1])
    losers = np.array([1, 2, 1, 2, 1, 2])
    strengths = bradley_terry(3, winners, losers, ridge=1e-3)
    assert np.all(np.isfinite(strengths.strength)) and strengths.converged
    assert strengths.strength[0] == strengths.strength.max()


def _reliability(items, codes, raters, n_items, n_raters):
    data = np.full((n_raters, n_items), np.nan)
    data[raters, items] = codes
    return data


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_nominal_alpha_on_preferences_matches_krippendorff(seed):
    rng = np.random.default_rng(seed)
    n_items, n_raters = 40, 4
    truth = rng.integers(0, 3, n_items)
    items, raters, codes = [], [], []
    for item in range(n_items):
        for rater in rng.choice(n_raters, size=rng.integers(1, n_raters + 1), replace=False):
            agree = rng.random() < 0.7
            items.append(item)
            raters.append(rater)
            codes.append(truth[item] if agree else rng.choice([0, 1, 2, TIE_CODE]))
    counts = value_counts(items, codes, n_items)
    expected = krippendorff.alpha(
        reliability_data=_reliability(items, codes, raters, n_items, n_raters),
        level_of_measurement="nominal",
    )
    assert alpha(counts, "nominal") == pytest.approx(expected, abs=1e-6)


def test_unanimous_share_counts_only_samples_judged_twice():
    #            item 0: r1 r1   item 1: r1 r2   item 2: tie tie   item 3: r1 (alone)
    items = [0, 0, 1, 1, 2, 2, 3]
    codes = [0, 0, 0, 1, TIE_CODE, TIE_CODE, 0]
    share, n = unanimous_share(value_counts(items, codes, 4))
    assert (share, n) == (pytest.approx(2 / 3), 3)


def test_agreement_with_others_leaves_the_physician_out():
    # item 0: a b b -> the first disagrees with the others (b), each b agrees with {a, b}? no:
    # the others of a b-judgment are a and b, a tie at the top, so it is not counted.
    items = [0, 0, 0, 1, 1]
    codes = [0, 1, 1, 2, 2]
    counted, agrees = agreement_with_others(items, codes, value_counts(items, codes, 2))
    assert counted.tolist() == [True, False, False, True, True]
    assert agrees.tolist() == [False, False, False, True, True]


def test_position_bias_and_its_wilson_interval():
    bias = position_bias([True] * 30 + [False] * 20, [2] * 50)
    assert bias["first_shown_wins"] == pytest.approx(0.6)
    assert bias["chance"] == pytest.approx(0.5)
    # Wilson interval for 30/50 (textbook: 0.4618 .. 0.7239).
    assert (bias["ci_low"], bias["ci_high"]) == (
        pytest.approx(0.4618, abs=1e-4),
        pytest.approx(0.7239, abs=1e-4),
    )
    assert wilson(0, 0) == (None, None, None)


def test_bradley_terry_on_a_graph_in_pieces_does_not_raise():
    # Models 0-1 and 2-3 were never compared across: no single scale without a prior.
    winners = np.array([0, 1, 0, 2, 3, 2])
    losers = np.array([1, 0, 1, 3, 2, 3])
    bt = bradley_terry(4, winners, losers)
    assert np.all(np.isfinite(bt.strength))
    ridged = bradley_terry(4, winners, losers, ridge=1e-3)
    assert ridged.converged and ridged.strength[0] > ridged.strength[1]
