"""From rating rows to the matrices the statistics need."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MISSING = -1


@dataclass(frozen=True)
class Ratings:
    """One criterion's ratings: parallel arrays, rows sorted by item."""

    items: np.ndarray  # int64, 0..n_items-1, ascending
    raters: np.ndarray  # int64, 0..n_raters-1
    codes: np.ndarray  # int64, 0..n_categories-1, or MISSING
    n_items: int
    n_categories: int

    def present(self) -> Ratings:
        """The same ratings without the missing ones."""
        keep = self.codes >= 0
        if keep.all():
            return self
        return Ratings(
            self.items[keep], self.raters[keep], self.codes[keep], self.n_items, self.n_categories
        )

    def contiguous(self) -> Ratings:
        """The same ratings with `codes` in one contiguous array.

        One criterion's codes are often a column of a rows x criteria matrix; every pass over
        such a column reads the whole matrix, so functions that make several passes copy it once.
        """
        if self.codes.flags.c_contiguous:
            return self
        return Ratings(
            self.items,
            self.raters,
            np.ascontiguousarray(self.codes),
            self.n_items,
            self.n_categories,
        )

    def subset(self, mask: np.ndarray) -> Ratings:
        return Ratings(
            self.items[mask], self.raters[mask], self.codes[mask], self.n_items, self.n_categories
        )


def ratings_from_matrix(matrix: np.ndarray, n_categories: int) -> Ratings:
    """`matrix` is raters x items of codes with NaN (or -1) for missing, as krippendorff takes."""
    data = np.asarray(matrix, dtype=float)
    data = np.where(np.isnan(data), MISSING, data).astype(np.int64)
    raters, items = np.nonzero(data >= 0)
    order = np.lexsort((raters, items))
    items, raters = items[order], raters[order]
    return Ratings(items, raters, data[raters, items], data.shape[1], n_categories)


def row_sum(a: np.ndarray) -> np.ndarray:
    """`a.sum(axis=1)` for a 2-D array with few columns, column by column.

    numpy reduces along a short last axis one row at a time; adding whole columns is several times
    faster, and for fewer than eight columns it adds in the same order, so the result is identical.
    """
    if a.ndim != 2 or a.shape[1] >= 8 or a.shape[1] == 0:
        return a.sum(axis=1)
    out = a[:, 0].astype(np.result_type(a.dtype, np.int_) if a.dtype == bool else a.dtype)
    for j in range(1, a.shape[1]):
        out += a[:, j]
    return out


def row_max(a: np.ndarray) -> np.ndarray:
    """`a.max(axis=1)` column by column (see `row_sum`)."""
    if a.ndim != 2 or a.shape[1] >= 8 or a.shape[1] == 0:
        return a.max(axis=1)
    out = a[:, 0].copy()
    for j in range(1, a.shape[1]):
        np.maximum(out, a[:, j], out=out)
    return out


def row_argmax(a: np.ndarray) -> np.ndarray:
    """`a.argmax(axis=1)` (first maximum wins; no NaN) column by column (see `row_sum`)."""
    if a.ndim != 2 or a.shape[1] >= 8 or a.shape[1] == 0:
        return a.argmax(axis=1)
    best = a[:, 0].copy()
    index = np.zeros(a.shape[0], dtype=np.int64)
    for j in range(1, a.shape[1]):
        column = a[:, j]
        better = column > best
        index[better] = j
        np.maximum(best, column, out=best)
    return index


def value_counts(ratings: Ratings) -> np.ndarray:
    """items x categories: how many raters chose each category for each item."""
    r = ratings.present()
    k = ratings.n_categories
    flat = np.bincount(r.items * k + r.codes, minlength=ratings.n_items * k)
    return flat.reshape(ratings.n_items, k)


# Count patterns are numbered through a table of at most this many entries, else sorted.
PATTERN_TABLE_LIMIT = 1 << 20


def count_patterns(ratings: Ratings) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of the items' value counts and the row of each item.

    Each row has `n_categories + 1` columns: how many raters chose each category, then how many
    ratings were missing. With a handful of ratings per item there are only tens of distinct rows
    among a million items, so anything that depends on an item's counts alone (a median, a vote
    share, what the others said) is computed once per row and gathered.
    """
    ratings = ratings.contiguous()
    k = ratings.n_categories
    n = ratings.n_items
    if ratings.items.size == 0:
        return np.zeros((1, k + 1), dtype=np.int64), np.zeros(n, dtype=np.intp)
    # Number each item's counts in base `base` with one weighted bincount (exact below 2**53);
    # a missing rating (-1) indexes the last power, the missing column. Few items have more than
    # three ratings: try base 4 first, and if some item had more, a digit carried over and the
    # digits no longer add up to the number of ratings.
    base = 4
    if base ** (k + 1) > PATTERN_TABLE_LIMIT:
        base = int(np.bincount(ratings.items, minlength=n).max()) + 1
    while base ** (k + 1) <= PATTERN_TABLE_LIMIT:
        powers = float(base) ** np.arange(k + 1)
        keys = np.bincount(ratings.items, weights=powers[ratings.codes], minlength=n)
        keys = keys.astype(np.intp)
        if keys.max() < base ** (k + 1):
            seen = np.bincount(keys, minlength=base ** (k + 1))
            present = np.flatnonzero(seen)
            rows = (present[:, None] // base ** np.arange(k + 1)) % base
            if int(seen[present] @ rows.sum(axis=1)) == ratings.items.size:
                lookup = np.empty(seen.size, dtype=np.intp)
                lookup[present] = np.arange(present.size)
                return rows, lookup[keys]
        base = max(base + 1, int(np.bincount(ratings.items, minlength=n).max()) + 1)
    digits = ratings.codes % (k + 1)
    flat = np.bincount(ratings.items * (k + 1) + digits, minlength=n * (k + 1))
    rows, inverse = np.unique(flat.reshape(n, k + 1), axis=0, return_inverse=True)
    return rows, inverse.reshape(n)


def pairable(counts: np.ndarray) -> np.ndarray:
    """The items with at least two ratings; items rated once carry no agreement information."""
    return counts[row_sum(counts) >= 2]


def patterns(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a value-count matrix and how often each occurs.

    With a handful of raters per item there are only tens of distinct rows among a million items,
    so statistics and bootstrap resamples are computed per pattern, weighted by its frequency.
    """
    counts = np.asarray(counts)
    if not np.issubdtype(counts.dtype, np.integer):
        counts = counts.astype(np.int64)
    k = counts.shape[1]
    if counts.shape[0] == 0:
        return counts.reshape(0, k), np.zeros(0, dtype=np.int64)
    base = int(row_max(counts).max()) + 1 if k else 1
    if base**k <= 1 << 20:
        # Few possible rows: number each one and count them with one bincount (no sort).
        keys = np.zeros(counts.shape[0], dtype=np.int64)
        for j in range(k - 1, -1, -1):
            keys *= base
            keys += counts[:, j]
        freq = np.bincount(keys, minlength=base**k)
        present = np.flatnonzero(freq)
        digits = (present[:, None] // base ** np.arange(k, dtype=np.int64)) % base
        return digits.astype(counts.dtype), freq[present]
    uniq, freq = np.unique(counts, axis=0, return_counts=True)
    return uniq, freq


def rating_pairs(ratings: Ratings) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (a, b) of every unordered pair of ratings on the same item."""
    items = ratings.items
    if items.size < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    starts = np.flatnonzero(np.r_[True, items[1:] != items[:-1]])
    sizes = np.diff(np.r_[starts, items.size])
    firsts, seconds = [], []
    rows = np.arange(items.size)
    for gap in range(1, int(sizes.max())):
        same = items[gap:] == items[:-gap]
        a = rows[:-gap][same]
        firsts.append(a)
        seconds.append(a + gap)
    if not firsts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(firsts), np.concatenate(seconds)
