"""Arranging review rows: the lookup-table `_distinct` against numpy's `unique` as an oracle."""

from __future__ import annotations

import numpy as np
import pytest

from curation.services.agreement import _distinct


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(1).integers(5_000, 9_000, 20_000),  # dense ids: lookup table
        np.random.default_rng(2).integers(0, 10**15, 5_000),  # sparse ids: numpy's unique
        np.array([7, 7, 7]),
        np.zeros(0, dtype=np.int64),
    ],
)
def test_distinct_matches_numpy_unique(values):
    ids, index = _distinct(values)
    expected_ids, expected_index = np.unique(values, return_inverse=True)
    assert ids.tolist() == expected_ids.tolist()
    assert index.tolist() == expected_index.tolist()
