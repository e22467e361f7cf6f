"""Linear-time indexing helpers against numpy's `unique` and `median` as oracles."""

from __future__ import annotations

import numpy as np
import pytest

from curation.agreement.stats.indexing import dense_unique, median_by, present_ids


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(1).integers(5_000, 9_000, 20_000),  # dense ids: lookup table
        np.random.default_rng(2).integers(0, 10**15, 5_000),  # sparse ids: numpy's unique
        np.array([7, 7, 7]),
        np.zeros(0, dtype=np.int64),
    ],
)
def test_dense_unique_matches_numpy_unique(values):
    ids, index = dense_unique(values)
    expected_ids, expected_index = np.unique(values, return_inverse=True)
    assert ids.tolist() == expected_ids.tolist()
    assert index.tolist() == expected_index.tolist()


def test_present_ids_are_the_distinct_values():
    values = np.array([4, 0, 4, 9, 0])
    assert present_ids(values, 12).tolist() == [0, 4, 9]


def test_median_by_group_matches_numpy_median():
    rng = np.random.default_rng(5)
    groups = rng.integers(0, 40, 10_000)
    values = rng.normal(size=10_000)
    values[rng.random(10_000) < 0.1] = np.nan
    got = median_by(groups, values, 42)  # groups 40 and 41 are empty
    for g in range(40):
        mine = values[(groups == g) & ~np.isnan(values)]
        assert got[g] == pytest.approx(np.median(mine), abs=1e-12)
    assert np.isnan(got[40]) and np.isnan(got[41])
