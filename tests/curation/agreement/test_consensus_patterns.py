"""Consensus and leave-one-out, computed per count pattern, against item-by-item references."""

from __future__ import annotations

import numpy as np
import pytest

import curation.agreement.stats.consensus as consensus_module
import curation.agreement.stats.matrix as matrix_module
from curation.agreement.stats.consensus import consensus, leave_one_out
from curation.agreement.stats.dawid_skene import dawid_skene
from curation.agreement.stats.matrix import Ratings, count_patterns


def messy(seed: int, k: int, n_items: int = 400, n_raters: int = 7) -> Ratings:
    """Uneven ratings per item (0 to 5), some not applicable (-1), some items unrated."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n_items)
    items, raters, codes = [], [], []
    for item in range(n_items):
        for rater in sorted(rng.choice(n_raters, size=rng.integers(0, 6), replace=False)):
            code = truth[item] if rng.random() < 0.7 else rng.integers(k)
            items.append(item)
            raters.append(rater)
            codes.append(-1 if rng.random() < 0.15 else code)
    return Ratings(np.array(items), np.array(raters), np.array(codes), n_items, k)


def reference_consensus(ratings: Ratings, scale: bool, method: str):
    """One item at a time, as the rules read."""
    k = ratings.n_categories
    ds = dawid_skene(ratings) if not scale and method == "dawid_skene" else None
    values = np.zeros(ratings.n_items, dtype=np.int64)
    confidence = np.zeros(ratings.n_items)
    for item in range(ratings.n_items):
        codes = ratings.codes[ratings.items == item]
        rated = codes[codes >= 0]
        n_na, n_rated = int((codes < 0).sum()), rated.size
        counts = np.bincount(rated, minlength=k)
        if n_rated + n_na == 0:
            values[item], confidence[item] = 0, np.nan
            continue
        if n_na > n_rated:
            values[item], confidence[item] = -1, n_na / (n_na + n_rated)
            continue
        if n_rated == 0:
            values[item], confidence[item] = 0, 0.0
            continue
        if scale:
            median = int(np.sort(rated)[(n_rated - 1) // 2])
            value, conf = median, np.abs(rated - median).__le__(1).mean()
        elif ds is not None:
            value, conf = int(np.argmax(ds.posteriors[item])), ds.posteriors[item].max()
            share = counts[value] / n_rated
            if share <= 0.5:  # a split never reads as confident
                conf = min(conf, share)
        else:
            value, conf = int(np.argmax(counts)), counts.max() / n_rated
        values[item], confidence[item] = value, conf * n_rated / (n_rated + n_na)
    return values, confidence


def reference_leave_one_out(ratings: Ratings, scale: bool):
    n_raters = int(ratings.raters.max()) + 1
    compared, agreed = np.zeros(n_raters), np.zeros(n_raters)
    for row in np.flatnonzero(ratings.codes >= 0):
        same = (ratings.items == ratings.items[row]) & (ratings.codes >= 0)
        same[row] = False
        others = ratings.codes[same]
        if not others.size:
            continue
        own = ratings.codes[row]
        if scale:
            median = np.sort(others)[(others.size - 1) // 2]
            compared[ratings.raters[row]] += 1
            agreed[ratings.raters[row]] += abs(own - median) <= 1
        else:
            counts = np.bincount(others, minlength=ratings.n_categories)
            if (counts == counts.max()).sum() > 1:
                continue
            compared[ratings.raters[row]] += 1
            agreed[ratings.raters[row]] += counts.argmax() == own
    return compared, agreed


@pytest.fixture(params=["table", "sorted"])
def numbering(request, monkeypatch):
    """Count patterns numbered through a table, or found by sorting when the table is too big."""
    if request.param == "sorted":
        monkeypatch.setattr(matrix_module, "PATTERN_TABLE_LIMIT", 1)
    return request.param


@pytest.mark.parametrize("k", [2, 3, 5])
def test_count_patterns_give_each_items_counts_and_missing(numbering, k):
    ratings = messy(1, k)
    rows, pattern = count_patterns(ratings)
    expected = np.zeros((ratings.n_items, k + 1), dtype=np.int64)
    np.add.at(expected, (ratings.items, ratings.codes % (k + 1)), 1)
    assert np.array_equal(rows[pattern], expected)
    assert len(np.unique(rows, axis=0)) == len(rows)


@pytest.mark.parametrize(
    ("k", "scale", "method"),
    [
        (5, True, "dawid_skene"),
        (3, False, "majority"),
        (2, False, "dawid_skene"),
        (3, False, "dawid_skene"),
    ],
)
@pytest.mark.parametrize("seed", [2, 3])
def test_consensus_equals_the_item_by_item_rules(numbering, seed, k, scale, method):
    ratings = messy(seed, k)
    result = consensus(ratings, scale=scale, method=method)
    values, confidence = reference_consensus(ratings, scale, method)
    assert result.values.dtype == np.int32
    assert np.array_equal(result.values, values)
    assert np.allclose(result.confidence, confidence, atol=1e-12, equal_nan=True)
    assert (result.ds is not None) == (method == "dawid_skene" and not scale)


@pytest.mark.parametrize("k", [2, 3, 5])
@pytest.mark.parametrize("scale", [False, True])
@pytest.mark.parametrize("per_rater_table", [True, False])
def test_leave_one_out_equals_the_rating_by_rating_rule(
    numbering, monkeypatch, k, scale, per_rater_table
):
    if not per_rater_table:
        monkeypatch.setattr(consensus_module, "PER_RATER_TABLE_LIMIT", 0)
    ratings = messy(4, k)
    compared, agreed = leave_one_out(ratings, scale=scale)
    expected_compared, expected_agreed = reference_leave_one_out(ratings, scale)
    assert compared.tolist() == expected_compared.tolist()
    assert agreed.tolist() == expected_agreed.tolist()


def test_an_item_rated_once_is_its_own_consensus_and_never_compared():
    ratings = Ratings(np.array([0, 1, 1]), np.array([0, 0, 1]), np.array([2, 1, 1]), 3, 3)
    result = consensus(ratings, scale=False, method="majority")
    assert result.values.tolist() == [2, 1, 0]
    assert result.confidence[:2].tolist() == [1.0, 1.0]
    assert np.isnan(result.confidence[2])
    compared, agreed = leave_one_out(ratings, scale=False)
    assert compared.tolist() == [1, 1]
    assert agreed.tolist() == [1, 1]


def test_count_patterns_of_an_item_with_many_ratings():
    n = 2000  # far more ratings on item 1 than a first guess at the number base holds
    items = np.r_[0, np.ones(n, dtype=np.int64), 2, 2]
    codes = np.r_[1, np.zeros(n - 3, dtype=np.int64), 1, 2, -1, 0, -1]
    rows, pattern = count_patterns(Ratings(items, np.arange(items.size), codes, 4, 3))
    assert rows[pattern].tolist() == [[0, 1, 0, 0], [n - 3, 1, 1, 1], [1, 0, 0, 1], [0, 0, 0, 0]]


def test_a_split_vote_never_reads_as_a_confident_dawid_skene_consensus():
    """Three raters, one reliable across many items: on the item where they split three ways
    Dawid-Skene follows the reliable one with a posterior near 1; the confidence shown (and used
    to settle) is at most the one vote in three."""
    items, raters, codes = [], [], []
    for item in range(40):
        for rater in range(3):
            items.append(item)
            raters.append(rater)
            codes.append(item % 3 if rater == 0 or (item + rater) % 4 else (item + rater) % 3)
    split = 40
    for rater, code in enumerate((0, 1, 2)):
        items.append(split)
        raters.append(rater)
        codes.append(code)
    ratings = Ratings(np.array(items), np.array(raters), np.array(codes), split + 1, 3)
    posterior = dawid_skene(ratings).posteriors[split].max()
    assert posterior > 0.9  # what the page showed as "confidence 1.00"
    result = consensus(ratings, scale=False, method="dawid_skene")
    assert result.confidence[split] <= 1 / 3 + 1e-12
    assert result.confidence[:split].min() > 0.5  # agreed items keep their posterior
