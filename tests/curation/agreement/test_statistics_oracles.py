"""The numerics against the established libraries and the published worked examples."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from crowdkit.aggregation import DawidSkene
from sklearn.metrics import cohen_kappa_score, f1_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from curation.agreement.stats.alpha import alpha, alpha_with_interval, observed_agreement
from curation.agreement.stats.consensus import consensus, leave_one_out
from curation.agreement.stats.dawid_skene import dawid_skene
from curation.agreement.stats.f1 import balanced_f1, pairwise_balanced_f1
from curation.agreement.stats.kappa import cohen_kappa, fleiss_kappa, pairwise_cohen
from curation.agreement.stats.matrix import Ratings, ratings_from_matrix, value_counts

# Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), 4 observers x 12 units.
KRIPPENDORFF_EXAMPLE = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
    [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan],
]

# Fleiss (1971) as most textbooks and Wikipedia give it: 10 subjects, 14 raters, 5 categories.
FLEISS_EXAMPLE = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)


def random_matrix(seed: int, raters: int = 6, items: int = 300, k: int = 4, missing=0.4):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, items)
    noise = rng.integers(0, k, (raters, items))
    data = np.where(rng.random((raters, items)) < 0.7, truth, noise).astype(float)
    data[rng.random((raters, items)) < missing] = np.nan
    return data


def test_krippendorff_worked_example_matches_the_paper():
    data = np.array(KRIPPENDORFF_EXAMPLE) - 1  # categories 1..5 as codes 0..4
    counts = value_counts(ratings_from_matrix(data, 5))
    assert round(alpha(counts, "nominal"), 3) == 0.743
    assert round(alpha(counts, "ordinal"), 3) == 0.815
    assert round(alpha(counts, "interval", values=[1, 2, 3, 4, 5]), 3) == 0.849


def test_single_rated_items_are_left_out_and_counted():
    data = np.array(KRIPPENDORFF_EXAMPLE) - 1
    result = alpha_with_interval(value_counts(ratings_from_matrix(data, 5)), "nominal")
    assert result.n_items == 11  # unit 12 has one rating only
    assert result.n_single == 1
    assert result.low <= result.value <= result.high


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_alpha_equals_krippendorff_package_on_random_data_with_gaps(seed, level):
    data = random_matrix(seed)
    counts = value_counts(ratings_from_matrix(data, 4))
    expected = krippendorff.alpha(
        reliability_data=data, level_of_measurement=level, value_domain=[0, 1, 2, 3]
    )
    assert alpha(counts, level) == pytest.approx(expected, abs=1e-9)
    by_counts = krippendorff.alpha(value_counts=counts, level_of_measurement=level)
    assert alpha(counts, level) == pytest.approx(by_counts, abs=1e-9)


def test_bootstrap_interval_is_seeded_and_brackets_the_estimate():
    counts = value_counts(ratings_from_matrix(random_matrix(7), 4))
    first = alpha_with_interval(counts, "ordinal", seed=11)
    again = alpha_with_interval(counts, "ordinal", seed=11)
    assert (first.low, first.high) == (again.low, again.high)
    assert first.low < first.value < first.high
    assert first.high - first.low < 0.3


def test_alpha_is_undefined_when_every_rating_is_the_same():
    counts = np.array([[3, 0], [2, 0], [3, 0]])
    result = alpha_with_interval(counts, "nominal")
    assert result.value is None
    assert "one category" in result.note
    assert observed_agreement(counts) == 1.0


def test_fleiss_textbook_example_is_0_210():
    value, note = fleiss_kappa(FLEISS_EXAMPLE)
    assert round(value, 3) == 0.210
    assert note == ""


@pytest.mark.parametrize("seed", [4, 5])
def test_fleiss_equals_statsmodels_on_random_complete_data(seed):
    data = random_matrix(seed, raters=5, missing=0.0)
    counts = value_counts(ratings_from_matrix(data, 4))
    value, _ = fleiss_kappa(counts)
    assert value == pytest.approx(sm_fleiss_kappa(counts, method="fleiss"), abs=1e-9)


def test_fleiss_is_not_applicable_with_uneven_rating_counts_and_says_why():
    value, note = fleiss_kappa(np.array([[2, 1], [1, 1], [0, 3]]))
    assert value is None
    assert "different numbers of ratings" in note


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_equals_sklearn_with_every_label(weights):
    rng = np.random.default_rng(9)
    a = rng.integers(0, 5, 200)
    b = np.where(rng.random(200) < 0.6, a, rng.integers(0, 4, 200))  # category 4 unused by b
    expected = cohen_kappa_score(a, b, labels=[0, 1, 2, 3, 4], weights=weights)
    assert cohen_kappa(a, b, 5, weights) == pytest.approx(expected, abs=1e-9)


def test_pairwise_cohen_only_for_pairs_sharing_enough_items():
    data = random_matrix(12, raters=4, items=120, missing=0.5)
    ratings = ratings_from_matrix(data, 4)
    result = pairwise_cohen(ratings, "quadratic", min_shared=20)
    assert len(result["kappa"]) > 0
    for ra, rb, n, kappa in zip(*result.values(), strict=True):
        both = ~np.isnan(data[ra]) & ~np.isnan(data[rb])
        assert n == both.sum() >= 20
        expected = cohen_kappa_score(
            data[ra, both].astype(int),
            data[rb, both].astype(int),
            labels=[0, 1, 2, 3],
            weights="quadratic",
        )
        assert kappa == pytest.approx(expected, abs=1e-9)
    everyone = pairwise_cohen(ratings, None, min_shared=0)
    assert len(everyone["kappa"]) == 6


def test_balanced_f1_equals_sklearn_macro_f1():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 2, 500)
    b = np.where(rng.random(500) < 0.8, a, 1 - a)
    assert balanced_f1(a, b) == pytest.approx(f1_score(a, b, average="macro"), abs=1e-9)
    assert balanced_f1(a, b) == pytest.approx(balanced_f1(b, a), abs=1e-12)


def test_pairwise_f1_uses_every_pair_of_ratings_on_an_item():
    data = random_matrix(21, raters=3, items=100, k=2, missing=0.2)
    ratings = ratings_from_matrix(data, 2)
    left, right = [], []
    for item in range(data.shape[1]):
        rated = [r for r in range(3) if not np.isnan(data[r, item])]
        for i, ra in enumerate(rated):
            for rb in rated[i + 1 :]:
                left.append(data[ra, item])
                right.append(data[rb, item])
    value, n_pairs = pairwise_balanced_f1(ratings)
    assert n_pairs == len(left)
    assert value == pytest.approx(f1_score(left, right, average="macro"), abs=1e-9)


def crowd_frame(ratings: Ratings) -> pd.DataFrame:
    return pd.DataFrame({"task": ratings.items, "worker": ratings.raters, "label": ratings.codes})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_dawid_skene_posteriors_equal_crowdkit(seed):
    rng = np.random.default_rng(seed)
    n_items, n_raters, k = 400, 8, 3
    truth = rng.integers(0, k, n_items)
    rows = []
    for item in range(n_items):
        for rater in sorted(rng.choice(n_raters, size=rng.integers(1, 5), replace=False)):
            skill = 0.45 + 0.5 * rater / n_raters
            rows.append((item, rater, truth[item] if rng.random() < skill else rng.integers(k)))
    items, raters, codes = map(np.array, zip(*rows, strict=True))
    ratings = Ratings(items, raters, codes, n_items, k)
    ours = dawid_skene(ratings)
    theirs = DawidSkene(n_iter=100).fit(crowd_frame(ratings))
    probas = theirs.probas_.sort_index()
    mine = ours.posteriors[probas.index.to_numpy()][:, probas.columns.to_numpy()]
    assert np.abs(mine - probas.to_numpy()).max() < 1e-6
    assert ours.iterations == len(theirs.loss_history_)
    errors = theirs.errors_
    for (worker, observed), row in errors.iterrows():
        for true_label, value in row.items():
            assert ours.errors[worker, observed, true_label] == pytest.approx(value, abs=1e-6)


def test_majority_consensus_and_confidence():
    data = np.array([[0, 1, 1, np.nan], [0, 1, 0, np.nan], [0, 0, 1, 1]], dtype=float)
    result = consensus(ratings_from_matrix(data, 2), scale=False, method="majority")
    assert result.values[:3].tolist() == [0, 1, 1]
    assert result.confidence[:3].tolist() == pytest.approx([1.0, 2 / 3, 2 / 3])
    assert result.confidence[3] == 1.0


def test_median_consensus_counts_ratings_within_one_step():
    data = np.array([[0, 0, 3], [0, 2, 3], [4, 4, 4]], dtype=float)
    result = consensus(ratings_from_matrix(data, 5), scale=True)
    assert result.values.tolist() == [0, 2, 3]
    assert result.confidence.tolist() == pytest.approx([2 / 3, 1 / 3, 1.0])


def test_not_applicable_ratings_lower_the_confidence():
    items = np.array([0, 0, 0, 1, 1, 1])
    raters = np.array([0, 1, 2, 0, 1, 2])
    codes = np.array([1, 1, -1, -1, -1, 0])
    result = consensus(Ratings(items, raters, codes, 2, 2), scale=False, method="majority")
    assert result.values.tolist() == [1, -1]
    assert result.confidence.tolist() == pytest.approx([2 / 3, 2 / 3])


def test_leave_one_out_skips_ties_and_counts_agreement():
    # item 0: all say 1; item 1: rater 1 says 0, so raters 0 and 2 face a tie among the others.
    items = np.array([0, 0, 0, 1, 1, 1])
    raters = np.array([0, 1, 2, 0, 1, 2])
    codes = np.array([1, 1, 1, 1, 0, 1])
    compared, agreed = leave_one_out(Ratings(items, raters, codes, 2, 2), scale=False)
    assert compared.tolist() == [1, 2, 1]
    assert agreed.tolist() == [1, 1, 1]
