"""Dawid-Skene against crowd-kit on the shapes real projects produce, through every code path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from crowdkit.aggregation import DawidSkene

import curation.agreement.stats.dawid_skene as ds_module
from curation.agreement.stats.dawid_skene import dawid_skene
from curation.agreement.stats.matrix import Ratings


def simulated(
    seed: int,
    *,
    k: int,
    n_items: int = 300,
    n_raters: int = 8,
    per_item: tuple[int, int] = (1, 5),
    n_categories: int | None = None,
    unrated_every: int = 0,
    single_label_rater: bool = False,
) -> Ratings:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n_items)
    rows = []
    for item in range(n_items):
        if unrated_every and item % unrated_every == 3:
            continue
        size = rng.integers(per_item[0], per_item[1] + 1)
        for rater in sorted(rng.choice(n_raters, size=size, replace=False)):
            skill = 0.45 + 0.5 * rater / n_raters
            label = truth[item] if rng.random() < skill else rng.integers(k)
            rows.append((item, rater, 1 if single_label_rater and rater == 0 else label))
    items, raters, codes = map(np.array, zip(*rows, strict=True))
    return Ratings(items, raters, codes, n_items, n_categories or k)


def assert_matches_crowdkit(ratings: Ratings) -> None:
    ours = dawid_skene(ratings)
    frame = pd.DataFrame({"task": ratings.items, "worker": ratings.raters, "label": ratings.codes})
    theirs = DawidSkene(n_iter=100).fit(frame)
    probas = theirs.probas_.sort_index()
    tasks, labels = probas.index.to_numpy(), probas.columns.to_numpy()
    assert np.abs(ours.posteriors[tasks][:, labels] - probas.to_numpy()).max() < 1e-6
    assert ours.iterations == len(theirs.loss_history_)
    assert (ours.labels[tasks] == theirs.labels_.sort_index().to_numpy()).all()
    for (worker, observed), row in theirs.errors_.iterrows():
        for true_label, value in row.items():
            assert ours.errors[worker, observed, true_label] == pytest.approx(value, abs=1e-6)
    unrated = np.setdiff1d(np.arange(ratings.n_items), tasks)
    assert np.isnan(ours.posteriors[unrated]).all()
    assert (ours.labels[unrated] == -1).all()
    assert np.isnan(ours.confidence[unrated]).all()
    assert ours.confidence[tasks] == pytest.approx(probas.to_numpy().max(axis=1), abs=1e-6)


@pytest.fixture(params=["patterns", "items", "sorted patterns"])
def path(request, monkeypatch):
    """EM over distinct rating patterns (numbered by table or by sorting) or over every item."""
    if request.param == "items":
        monkeypatch.setattr(ds_module, "PATTERN_SHARE", 0.0)
    else:
        monkeypatch.setattr(ds_module, "PATTERN_SHARE", 1.0)
    if request.param == "sorted patterns":
        monkeypatch.setattr(ds_module, "LOOKUP_LIMIT", 1)
    return request.param


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("seed", [1, 2])
def test_variable_numbers_of_ratings_per_item_match_crowdkit(path, seed, k):
    assert_matches_crowdkit(simulated(seed, k=k, per_item=(1, 5)))


@pytest.mark.parametrize("k", [2, 3])
def test_every_item_rated_the_same_number_of_times_matches_crowdkit(path, k):
    assert_matches_crowdkit(simulated(3, k=k, n_items=600, n_raters=5, per_item=(3, 3)))


@pytest.mark.parametrize("k", [2, 3])
def test_items_rated_once_match_crowdkit(path, k):
    assert_matches_crowdkit(simulated(4, k=k, per_item=(1, 1)))


@pytest.mark.parametrize("k", [2, 3])
def test_unused_categories_and_unrated_items_match_crowdkit(path, k):
    ratings = simulated(5, k=k, n_categories=k + 2, unrated_every=7)
    assert_matches_crowdkit(ratings)
    result = dawid_skene(ratings)
    assert (result.posteriors[~np.isnan(result.posteriors[:, 0]), k:] == 0).all()
    assert (result.priors[k:] == 0).all()


def test_an_unused_category_between_used_ones_matches_crowdkit(path):
    ratings = simulated(6, k=3, per_item=(2, 4))
    codes = np.where(ratings.codes == 1, 3, ratings.codes)  # categories 0, 2, 3 of 4
    assert_matches_crowdkit(Ratings(ratings.items, ratings.raters, codes, ratings.n_items, 4))


@pytest.mark.parametrize("k", [2, 3])
def test_a_rater_who_used_one_label_only_matches_crowdkit(path, k):
    assert_matches_crowdkit(simulated(7, k=k, per_item=(2, 4), single_label_rater=True))


def test_one_label_used_by_everyone_matches_crowdkit(path):
    items = np.repeat(np.arange(40), 3)
    raters = np.tile([0, 1, 2], 40)
    ratings = Ratings(items, raters, np.ones(120, dtype=np.int64), 42, 3)
    assert_matches_crowdkit(ratings)
    result = dawid_skene(ratings)
    assert (result.posteriors[:40] == [0.0, 1.0, 0.0]).all()
    assert (result.labels == [1] * 40 + [-1, -1]).all()


def test_five_categories_match_crowdkit(path):
    assert_matches_crowdkit(simulated(8, k=5, n_items=500, per_item=(2, 6)))


def test_missing_ratings_are_left_out():
    ratings = simulated(9, k=3, per_item=(2, 4))
    codes = ratings.codes.copy()
    codes[::5] = -1
    with_missing = Ratings(ratings.items, ratings.raters, codes, ratings.n_items, 3)
    assert_matches_crowdkit(with_missing.present())
    full = dawid_skene(with_missing)
    assert np.array_equal(full.posteriors, dawid_skene(with_missing.present()).posteriors, True)


def test_without_posteriors_the_labels_and_confidence_are_the_same():
    ratings = simulated(10, k=3, unrated_every=5)
    full = dawid_skene(ratings)
    lean = dawid_skene(ratings, posteriors=False)
    assert lean.posteriors.shape == (0, 3)
    assert np.array_equal(lean.labels, full.labels)
    assert np.array_equal(lean.confidence, full.confidence, equal_nan=True)
    assert np.array_equal(lean.errors, full.errors)


def test_no_ratings_at_all():
    empty = np.zeros(0, dtype=np.int64)
    result = dawid_skene(Ratings(empty, empty, empty, 3, 2))
    assert result.iterations == 0
    assert np.isnan(result.posteriors).all() and result.posteriors.shape == (3, 2)
    assert (result.labels == -1).all()
