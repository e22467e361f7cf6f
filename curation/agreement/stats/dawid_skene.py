"""Dawid-Skene (1979) EM over rating rows.

Follows crowd-kit's `DawidSkene` step for step (majority-vote initialisation, the same clipping at
1e-10, log2 E-step, the same evidence lower bound and stopping rule), so the posteriors agree with
it to 1e-6 and it stops after the same number of iterations.

The work is laid out for speed on a million items:
- Ratings sit in slots: slot j holds every item's (j+1)-th rating as one cell number
  (rater * k + label). Most items have the same number of ratings, so most slots cover every item
  and the E-step is a few gathers from a small log-error table plus whole-array additions.
- Items with the same ratings (the same raters giving the same labels) have the same posterior,
  so EM runs once per distinct pattern, weighted by how many items share it: with three ratings
  from sixty raters a million items hold some 200,000 binary or 400,000 three-way patterns.
- Posteriors are stored class by class (k x patterns), so every step runs over contiguous arrays.
- The M-step is one weighted `bincount` per slot and class, and those per-cell sums also give the
  bound's expected log-likelihood exactly (sum over cells of sums x log errors), so the bound
  costs one pass over the posteriors (the entropy).
- Two classes need one exponential per pattern: the posterior of class 1 is a logistic of the
  log-likelihood difference, gathered from one difference table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from curation.agreement.stats.matrix import Ratings

EPS = 1e-10
LN2 = float(np.log(2.0))
# exp2 of a log-likelihood difference beyond this overflows; the posterior is 0 or 1 long before.
MAX_EXPONENT = 1000.0
# Patterns are numbered through a lookup table of at most this many entries (int32), else sorted.
LOOKUP_LIMIT = 1 << 23
# Below this share of distinct patterns among items, EM runs on patterns instead of items.
PATTERN_SHARE = 0.7


@dataclass(frozen=True)
class DawidSkeneResult:
    posteriors: np.ndarray  # n_items x K (NaN rows for items without ratings); may be left empty
    priors: np.ndarray  # K
    errors: np.ndarray  # n_raters x K (observed) x K (true): P(observed | true)
    iterations: int
    labels: np.ndarray  # n_items, -1 for unrated items
    confidence: np.ndarray | None = None  # n_items: the largest posterior, NaN for unrated items


@dataclass(frozen=True)
class _Slots:
    """Ratings grouped by their position within the item (see the module docstring)."""

    cells: list[np.ndarray]  # per slot: rater * k + label of each covered task's rating
    tasks: list[np.ndarray | None]  # per slot: the tasks it covers, None for all

    @classmethod
    def from_rows(
        cls, starts: np.ndarray, sizes: np.ndarray, raters: np.ndarray, labels: np.ndarray, k: int
    ) -> _Slots:
        n_tasks = starts.size
        slot_cells, slot_tasks = [], []
        if sizes.min() == sizes.max():  # the usual case: task t's ratings are rows t*m .. t*m+m-1
            m = int(sizes[0])
            for j in range(m):
                cells = raters[j::m] * k
                cells += labels[j::m]
                slot_cells.append(cells)
                slot_tasks.append(None)
            return cls(slot_cells, slot_tasks)
        with_more = n_tasks - np.cumsum(np.bincount(sizes))  # tasks with more than j ratings
        by_size = None
        for j in range(int(sizes.max())):
            if with_more[j] == n_tasks:
                tasks = None
                rows = starts + j if j else starts
            else:
                if by_size is None:
                    by_size = np.argsort(-sizes, kind="stable")
                tasks = np.sort(by_size[: with_more[j]])
                rows = starts[tasks] + j
            cells = raters[rows] * k
            cells += labels[rows]
            slot_cells.append(cells)
            slot_tasks.append(tasks)
        return cls(slot_cells, slot_tasks)

    @classmethod
    def from_digits(cls, keys: np.ndarray, base: int, n_slots: int) -> _Slots:
        """Slots of pattern keys (sum of (cell + 1) * base**j; a 0 digit: no rating)."""
        slot_cells, slot_tasks = [], []
        rest = keys.copy()
        for _ in range(n_slots):
            cells = rest % base - 1
            rest //= base
            if cells.min() >= 0:
                slot_cells.append(cells)
                slot_tasks.append(None)
            else:
                tasks = np.flatnonzero(cells >= 0)
                slot_cells.append(cells[tasks])
                slot_tasks.append(tasks)
        return cls(slot_cells, slot_tasks)

    def gather(self, first: np.ndarray, rest: np.ndarray, out: np.ndarray) -> np.ndarray:
        """`out[t]` = sum over task t's ratings of `first[cell]` (slot 0) or `rest[cell]`."""
        np.take(first, self.cells[0], out=out, mode="clip")  # slot 0 covers every task
        for cells, tasks in zip(self.cells[1:], self.tasks[1:], strict=True):
            values = np.take(rest, cells, mode="clip")
            if tasks is None:
                out += values
            else:
                out[tasks] += values  # a task appears once per slot
        return out

    def scatter(self, weights: np.ndarray, n_cells: int) -> np.ndarray:
        """Per cell, the sum of `weights[t]` over the ratings of task t in that cell."""
        total = np.zeros(n_cells)
        for cells, tasks in zip(self.cells, self.tasks, strict=True):
            w = weights if tasks is None else np.take(weights, tasks, mode="clip")
            total += np.bincount(cells, weights=w, minlength=n_cells)
        return total

    def keys(self, base: int, n_tasks: int) -> np.ndarray:
        keys = self.cells[0] + 1
        power = 1
        for cells, tasks in zip(self.cells[1:], self.tasks[1:], strict=True):
            power *= base
            digit = (cells + 1) * power
            if tasks is None:
                keys += digit
            else:
                keys[tasks] += digit
        return keys


def _patterns(slots: _Slots, n_cells: int, n_tasks: int):
    """(pattern slots, items per pattern, pattern of each task), or None if it would not pay."""
    base = n_cells + 1
    n_slots = len(slots.cells)
    if n_slots * np.log2(base) > 62:
        return None
    keys = slots.keys(base, n_tasks)
    size = base**n_slots
    if size <= LOOKUP_LIMIT:
        ordered = np.sort(keys)
        first = np.empty(n_tasks, dtype=bool)
        first[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        if starts.size > PATTERN_SHARE * n_tasks:
            return None
        unique = ordered[starts]
        counts = np.diff(starts, append=n_tasks)
        del ordered, first
        lookup = np.empty(size, dtype=np.int32)
        lookup[unique] = np.arange(unique.size, dtype=np.int32)
        inverse = lookup[keys]
    else:
        unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        if unique.size > PATTERN_SHARE * n_tasks:
            return None
    return _Slots.from_digits(unique, base, n_slots), counts.astype(float), inverse


def _normalise(sums: np.ndarray, present: np.ndarray, n_raters: int, k: int) -> np.ndarray:
    """crowd-kit's M-step ending: clip the sums at EPS, divide by each rater's total per class."""
    errors = np.where(present[:, None], np.maximum(sums, EPS), 0.0).reshape(n_raters, k, k)
    totals = errors.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        errors = np.where(totals > 0, errors / totals, 0.0)
    return errors.reshape(n_raters * k, k)


def _log(errors: np.ndarray, present: np.ndarray, log) -> np.ndarray:
    out = np.zeros_like(errors)
    out[present] = log(errors[present])
    return out


def _e_step(
    slots: _Slots,
    log2_errors: np.ndarray,
    priors: np.ndarray,
    probas: np.ndarray,
    weights: np.ndarray,
    work: np.ndarray,
) -> float:
    """Posteriors (k x tasks, in place) from the log2 error table and the priors.

    Returns their entropy as crowd-kit's bound takes it (-sum p ln p over the posteriors clipped at
    EPS, each task weighted by its items), from the shifted log-likelihoods: with x_c = ll_c - max
    and s = sum 2^x, log2 p_c = x_c - log2 s, so sum p log2 p = sum p x - log2 s, one logarithm per
    task. `work` is scratch space of k + 1 rows.
    """
    k = probas.shape[0]
    log_priors = np.log2(np.maximum(priors, EPS))
    x, log_norm = work[:k], work[k]
    if k == 2:
        # Only x = ll0 - ll1 matters: p1 = 1 / (1 + 2^x) and p0 = 2^x p1 are crowd-kit's shifted
        # exp2 and normalisation (whichever class is larger), with one exponential, not two.
        table = log2_errors[:, 0] - log2_errors[:, 1]
        diff = slots.gather(table + (log_priors[0] - log_priors[1]), table, x[0])
        np.minimum(diff, MAX_EXPONENT, out=diff)
        np.exp2(diff, out=probas[0])
        np.add(probas[0], 1.0, out=probas[1])
        np.log2(probas[1], out=log_norm)
        np.reciprocal(probas[1], out=probas[1])
        probas[0] *= probas[1]
        x[1] = 0.0  # log2 p_c = x_c - log2 s holds with x = (ll0 - ll1, 0) and s = 1 + 2^x
    else:
        for c in range(k):
            column = np.ascontiguousarray(log2_errors[:, c])
            slots.gather(column + log_priors[c], column, x[c])  # every task has a slot-0 rating
        top = probas[0]
        np.copyto(top, x[0])
        for c in range(1, k):
            np.maximum(top, x[c], out=top)
        x -= top
        np.exp2(x, out=probas)
        np.copyto(log_norm, probas[0])
        for c in range(1, k):
            log_norm += probas[c]
        probas /= log_norm
        np.log2(log_norm, out=log_norm)
    plogp = -float(np.einsum("i,i->", log_norm, weights))
    for c in range(k):
        plogp += float(np.einsum("i,i,i->", probas[c], x[c], weights))
        small = np.flatnonzero(probas[c] < EPS)
        if small.size:
            # crowd-kit clips these to EPS before taking p ln p.
            p = probas[c][small]
            log_p = x[c][small] - log_norm[small]
            plogp += float(np.einsum("i,i->", weights[small], EPS * np.log2(EPS) - p * log_p))
    return -plogp * LN2


@dataclass(frozen=True)
class _Fit:
    probas: np.ndarray  # k x patterns, clipped at EPS like crowd-kit's
    pattern: np.ndarray | None  # pattern of each task (None: one pattern per task)
    rated_items: np.ndarray  # item number of each task
    observed: np.ndarray  # the category code of each of the k classes
    priors: np.ndarray  # k
    errors: np.ndarray  # n_raters x k x k
    iterations: int

    def per_task(self, values: np.ndarray) -> np.ndarray:
        return values if self.pattern is None else np.take(values, self.pattern)


def _fit(r: Ratings, n_raters: int, n_iter: int, tol: float) -> _Fit:
    # Like crowd-kit, work over the labels that occur at all.
    if r.n_categories <= 16:  # a comparison per category is cheaper than a bincount
        observed = np.array([c for c in range(r.n_categories) if (r.codes == c).any()])
    else:
        observed = np.flatnonzero(np.bincount(r.codes, minlength=r.n_categories))
    k = observed.size
    labels = r.codes if k == r.n_categories else np.searchsorted(observed, r.codes)
    n_rows = r.items.size
    first = np.empty(n_rows, dtype=bool)
    first[0] = True
    np.not_equal(r.items[1:], r.items[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    del first
    n_tasks = starts.size
    rated_items = r.items[starts]
    slots = _Slots.from_rows(starts, np.diff(starts, append=n_rows), r.raters, labels, k)
    del labels, starts
    n_cells = n_raters * k
    found = _patterns(slots, n_cells, n_tasks)
    if found is None:
        weights, pattern = np.ones(n_tasks), None
    else:
        slots, weights, pattern = found
    n_patterns = weights.size
    present = slots.scatter(weights, n_cells) > 0  # (rater, label) pairs that occur

    # Majority-vote start: each task's share of votes per label.
    labels_of_cell = np.tile(np.arange(k), n_raters)
    probas = np.zeros((k, n_patterns))
    for c in range(k):
        votes = (labels_of_cell == c).astype(float)
        slots.gather(votes, votes, probas[c])
    probas /= probas.sum(axis=0)

    weighted = np.empty(n_patterns)

    def m_step(probas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-cell sums of the posteriors (rows: cells, columns: true class), and the priors."""
        sums = np.empty((n_cells, k))
        priors = np.empty(k)
        for c in range(k):
            np.multiply(probas[c], weights, out=weighted)
            sums[:, c] = slots.scatter(weighted, n_cells)
            priors[c] = weighted.sum() / n_tasks
        return sums, priors

    sums, priors = m_step(probas)
    errors = _normalise(sums, present, n_raters, k)
    work = np.empty((k + 1, n_patterns))
    loss = -np.inf
    iterations = 0
    for _ in range(n_iter):
        iterations += 1
        entropy = _e_step(slots, _log(errors, present, np.log2), priors, probas, weights, work)
        sums, priors = m_step(probas)
        errors = _normalise(sums, present, n_raters, k)
        # The bound's expected log-likelihood: sum over ratings of p(task) . (ln errors + ln
        # priors), which is sum over cells of sums . ln errors, plus per-class totals . ln priors.
        joint = float(np.vdot(sums, _log(errors, present, np.log)))
        joint += float(sums.sum(axis=0) @ np.log(np.maximum(priors, EPS)))
        new_loss = (joint + entropy) / n_rows
        if new_loss - loss < tol:
            break
        loss = new_loss
    np.maximum(probas, EPS, out=probas)  # crowd-kit clips its posteriors in place in the bound
    return _Fit(
        probas,
        pattern,
        rated_items,
        observed,
        np.maximum(priors, EPS),
        errors.reshape(n_raters, k, k),
        iterations,
    )


def _argmax(probas: np.ndarray) -> np.ndarray:
    """Per column, the first row with the highest value (k x tasks layout)."""
    best = probas[0].copy()
    index = np.zeros(probas.shape[1], dtype=np.int64)
    for c in range(1, probas.shape[0]):
        better = probas[c] > best
        index[better] = c
        np.maximum(best, probas[c], out=best)
    return index


def dawid_skene(
    ratings: Ratings, *, n_iter: int = 100, tol: float = 1e-5, posteriors: bool = True
) -> DawidSkeneResult:
    """Dawid-Skene estimates for every item; `posteriors=False` skips the n_items x K matrix
    (labels and confidence are still filled in)."""
    r = ratings.contiguous().present()
    k_all = r.n_categories
    n_items = r.n_items
    if r.items.size == 0:
        return DawidSkeneResult(
            np.full((n_items if posteriors else 0, k_all), np.nan),
            np.full(k_all, np.nan),
            np.zeros((0, k_all, k_all)),
            0,
            np.full(n_items, -1),
            np.full(n_items, np.nan),
        )
    n_raters = int(r.raters.max()) + 1
    fit = _fit(r, n_raters, n_iter, tol)
    observed, rated = fit.observed, fit.rated_items
    every_item = rated.size == n_items

    label = fit.per_task(observed[_argmax(fit.probas)])
    top = fit.per_task(fit.probas.max(axis=0))
    if every_item:
        labels, confidence = label, top
    else:
        labels = np.full(n_items, -1)
        labels[rated] = label
        confidence = np.full(n_items, np.nan)
        confidence[rated] = top

    full = np.full((n_items if posteriors else 0, k_all), np.nan)
    if posteriors:
        if not every_item:
            full[rated] = 0.0
        elif observed.size < k_all:
            full[:] = 0.0
        for c, code in enumerate(observed):
            column = fit.per_task(fit.probas[c])
            if every_item:
                full[:, code] = column
            else:
                full[rated, code] = column
    full_priors = np.zeros(k_all)
    full_priors[observed] = fit.priors
    full_errors = np.zeros((n_raters, k_all, k_all))
    full_errors[np.ix_(np.arange(n_raters), observed, observed)] = fit.errors
    return DawidSkeneResult(full, full_priors, full_errors, fit.iterations, labels, confidence)
