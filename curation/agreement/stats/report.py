"""Everything one agreement run computes, from rating arrays to JSON-ready figures.

`build(dataset)` is pure numpy: the service reads the rows, this module computes the statistics,
the physician table, the model-grader comparison and the consensus, and the service stores them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from curation.agreement.stats.alpha import alpha_with_interval
from curation.agreement.stats.consensus import Consensus, consensus, leave_one_out
from curation.agreement.stats.f1 import balanced_f1, pairwise_balanced_f1
from curation.agreement.stats.indexing import median_by, present_ids
from curation.agreement.stats.kappa import (
    PairIndex,
    cohen_kappa,
    fleiss_kappa,
    kappa_from_confusion,
    pair_index,
    pairwise_confusion,
)
from curation.agreement.stats.matrix import Ratings, value_counts

MIN_SHARED = 20
BINARY_KINDS = ("binary", "points")


@dataclass(frozen=True)
class Item:
    """One graded item: a rubric criterion, or the verdict."""

    key: str
    label: str
    kind: str  # binary | ordinal | nominal | points | verdict
    categories: list  # the JSON value of each code, in order
    axis: str = ""

    @property
    def scale(self) -> bool:
        return self.kind == "ordinal"

    @property
    def levels(self) -> tuple[str, ...]:
        return ("ordinal", "interval") if self.scale else ("nominal",)


@dataclass
class Dataset:
    items: list[Item]
    sample: np.ndarray  # per review row: sample index 0..n_samples-1
    rater: np.ndarray  # per review row: rater index
    codes: np.ndarray  # rows x len(items): code, -1 missing / not applicable
    is_model: np.ndarray  # per row
    n_samples: int
    n_raters: int
    time_ms: np.ndarray  # per row, NaN unknown
    day: np.ndarray  # per row, day number of submission
    sample_specialty: np.ndarray  # per sample, -1 none
    specialties: list[str]
    rater_cohorts: np.ndarray  # n_raters x n_cohorts, bool
    cohorts: list[str]
    gold: np.ndarray | None = None  # n_samples x len(items) codes, -1 where no reference
    method: str = "dawid_skene"
    n_boot: int = 1000
    seed: int = 20240601


@dataclass
class Outcome:
    figures: dict
    physicians: list[dict]
    model_graders: list[dict]
    consensus_values: np.ndarray  # n_samples x len(items)
    consensus_confidence: np.ndarray  # n_samples x len(items)
    physician_reviews: np.ndarray  # per sample
    answer_from: np.ndarray  # per sample: rater whose correction a "revise" consensus takes
    extra: dict = field(default_factory=dict)


def _physician_mask(ds: Dataset) -> np.ndarray:
    """Rows by physicians (not model graders); one array per dataset, so caches keyed on it hold."""
    mask = ds.__dict__.get("_physician_mask")
    if mask is None:
        mask = ds.__dict__["_physician_mask"] = ~ds.is_model
    return mask


def _physician_ratings(ds: Dataset, physician: np.ndarray, col: int) -> Ratings:
    """One item's physician ratings; the row subset is taken once and shared by every item."""
    cached = ds.__dict__.get("_physician_rows")
    if cached is None or cached[0] is not physician:
        if physician.all():
            cached = (physician, ds.sample, ds.rater, ds.codes)
        else:
            cached = (physician, ds.sample[physician], ds.rater[physician], ds.codes[physician])
        ds.__dict__["_physician_rows"] = cached
    _, sample, rater, codes = cached
    return Ratings(sample, rater, codes[:, col], ds.n_samples, len(ds.items[col].categories))


def _r(value, digits: int = 6):
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else round(value, digits)


def _summary(values: np.ndarray) -> dict:
    values = values[~np.isnan(values)]
    if not values.size:
        return {"n_pairs": 0, "mean": None, "median": None, "min": None, "max": None}
    return {
        "n_pairs": int(values.size),
        "mean": _r(values.mean()),
        "median": _r(np.median(values)),
        "min": _r(values.min()),
        "max": _r(values.max()),
    }


def _alpha_block(
    ratings: Ratings, item: Item, ds: Dataset, *, full: bool, pairs: dict | None = None
) -> dict:
    counts = value_counts(ratings)
    out: dict = {}
    numeric = _numeric(item)
    for level in item.levels:
        result = alpha_with_interval(
            counts,
            level,
            numeric if level == "interval" else None,
            n_boot=ds.n_boot if full else max(200, ds.n_boot // 5),
            seed=ds.seed,
        )
        out[level] = {k: _r(v) if isinstance(v, float) else v for k, v in result.as_dict().items()}
    main = out[item.levels[0]]
    out["alpha"] = main["alpha"]
    out["ci_low"], out["ci_high"] = main["ci_low"], main["ci_high"]
    out["n_items"] = main["n_items"]
    out["n_single_rated_left_out"] = main["n_single_rated_left_out"]
    out["observed_agreement"] = main["observed_agreement"]
    out["note"] = main["note"]
    if not full:
        return out
    kappa, why = fleiss_kappa(counts)
    out["fleiss_kappa"] = _r(kappa)
    out["fleiss_note"] = why
    weightings = (None, "linear", "quadratic") if item.scale else (None,)
    cohen = {}
    for weights in weightings:
        kappas = (
            kappa_from_confusion(pairs["confusion"], weights)
            if pairs and len(pairs["confusion"])
            else np.zeros(0)
        )
        cohen[weights or "unweighted"] = _summary(kappas)
    out["cohen_kappa"] = cohen
    out["cohen_min_shared"] = MIN_SHARED
    if item.kind in BINARY_KINDS:
        f1, n_pairs = pairwise_balanced_f1(ratings)
        out["balanced_f1"] = _r(f1)
        out["balanced_f1_pairs"] = n_pairs
    return out


def _numeric(item: Item) -> list[float] | None:
    if item.scale:
        return [float(v) for v in item.categories]
    return None


def _pairs_per_item(ds: Dataset, physician: np.ndarray) -> list[dict]:
    """Each item's confusion matrices for every pair of physicians sharing enough samples."""
    index: PairIndex | None = None
    out = []
    for col in range(len(ds.items)):
        ratings = _physician_ratings(ds, physician, col)
        index = index or pair_index(ratings)
        out.append(pairwise_confusion(ratings, min_shared=MIN_SHARED, index=index))
    return out


def _statistics(ds: Dataset, physician: np.ndarray, pairs: list[dict], workers: int) -> dict:
    spec_rows = ds.sample_specialty[ds.sample][physician]

    def one(col: int) -> dict:
        item = ds.items[col]
        ratings = _physician_ratings(ds, physician, col)
        entry = {
            "key": item.key,
            "label": item.label,
            "kind": item.kind,
            "axis": item.axis,
            "level": item.levels[0],
            "overall": _alpha_block(ratings, item, ds, full=True, pairs=pairs[col]),
        }
        by_specialty = {}
        for index, name in enumerate(ds.specialties):
            mask = spec_rows == index
            if mask.any():
                by_specialty[name] = _alpha_block(ratings.subset(mask), item, ds, full=False)
        by_cohort = {}
        for index, name in enumerate(ds.cohorts):
            mask = ds.rater_cohorts[ratings.raters, index]
            if mask.any():
                by_cohort[name] = _alpha_block(ratings.subset(mask), item, ds, full=False)
        entry["by_specialty"] = by_specialty
        entry["by_cohort"] = by_cohort
        return entry

    results = _map(one, list(range(len(ds.items))), workers)
    criteria = [e for e, i in zip(results, ds.items, strict=True) if i.kind != "verdict"]
    verdict = [e for e, i in zip(results, ds.items, strict=True) if i.kind == "verdict"]
    return {"criteria": criteria, "verdict": verdict[0] if verdict else None}


def _leave_one_out(ds: Dataset, physician: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per rater, over every item: ratings compared with the others' consensus, and agreeing."""
    n = ds.n_raters
    compared = np.zeros(n)
    agreed = np.zeros(n)
    for col, item in enumerate(ds.items):
        c, a = leave_one_out(_physician_ratings(ds, physician, col), scale=item.scale)
        compared[: c.size] += c
        agreed[: a.size] += a
    return compared, agreed


def _physicians(
    ds: Dataset,
    physician: np.ndarray,
    consensuses: list[Consensus],
    pairs: list[dict],
    compared: np.ndarray,
    agreed: np.ndarray,
) -> list[dict]:
    n = ds.n_raters
    gold_n = np.zeros(n)
    gold_ok = np.zeros(n)
    confusion: dict[int, dict] = {r: {} for r in range(n)}
    kappa_sum = np.zeros(n)
    kappa_n = np.zeros(n)
    for col, item in enumerate(ds.items):
        ratings = _physician_ratings(ds, physician, col)
        if ds.gold is not None:
            ref = ds.gold[ratings.items, col]
            mask = (ref >= 0) & (ratings.codes >= 0)
            gold_n += np.bincount(ratings.raters[mask], minlength=n)
            gold_ok += np.bincount(
                ratings.raters[mask], weights=ratings.codes[mask] == ref[mask], minlength=n
            )
        result = consensuses[col].ds
        if result is not None:
            for r in present_ids(ratings.raters, n):
                if r < result.errors.shape[0]:
                    confusion[int(r)][item.key] = np.round(result.errors[r], 4).tolist()
        item_pairs = pairs[col]
        if len(item_pairs["confusion"]):
            values = kappa_from_confusion(
                item_pairs["confusion"], "quadratic" if item.scale else None
            )
            ok = ~np.isnan(values)
            for side in ("rater_a", "rater_b"):
                kappa_sum += np.bincount(item_pairs[side][ok], weights=values[ok], minlength=n)
                kappa_n += np.bincount(item_pairs[side][ok], minlength=n)
    reviews = np.bincount(ds.rater, minlength=n)
    active_days = _active_days(ds, n)
    medians = median_by(ds.rater, ds.time_ms, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        reliability = agreed / compared
    is_model = np.bincount(ds.rater, weights=ds.is_model, minlength=n) > 0
    table = []
    for r in range(n):
        if reviews[r] == 0 or is_model[r]:
            continue
        table.append(
            {
                "rater": r,
                "reviews": int(reviews[r]),
                "agreement_with_others": _r(reliability[r]),
                "agreement_compared": int(compared[r]),
                "gold_accuracy": _r(gold_ok[r] / gold_n[r]) if gold_n[r] else None,
                "gold_compared": int(gold_n[r]),
                "mean_pairwise_kappa": _r(kappa_sum[r] / kappa_n[r]) if kappa_n[r] else None,
                "median_time_ms": _r(medians[r], 1),
                "active_days": int(active_days[r]),
                "reviews_per_active_day": _r(reviews[r] / active_days[r], 2)
                if active_days[r]
                else None,
                "confusion": confusion[r],
            }
        )
    return table


def _active_days(ds: Dataset, n: int) -> np.ndarray:
    """Per rater, the number of distinct days with a review."""
    if not ds.day.size:
        return np.zeros(n, dtype=np.int64)
    first = int(ds.day.min())
    span = int(ds.day.max()) - first + 1
    keys = ds.rater.astype(np.int64) * span + (ds.day - first)
    if n * span <= 50_000_000:
        return (np.bincount(keys, minlength=n * span).reshape(n, span) > 0).sum(axis=1)
    return np.bincount(np.unique(keys) // span, minlength=n)


def _model_graders(ds: Dataset, values: np.ndarray) -> list[dict]:
    model_rows = ds.is_model
    out = []
    for r in np.unique(ds.rater[model_rows]):
        rows = model_rows & (ds.rater == r)
        entry: dict = {"rater": int(r), "reviews": int(rows.sum()), "criteria": [], "axes": []}
        by_axis: dict[str, list] = {}
        for col, item in enumerate(ds.items):
            mine = ds.codes[rows, col]
            theirs = values[ds.sample[rows], col]
            ok = (mine >= 0) & (theirs >= 0)
            k = len(item.categories)
            figure = {"key": item.key, "kind": item.kind, "axis": item.axis, "n": int(ok.sum())}
            figure["kappa"] = (
                _r(cohen_kappa(theirs[ok], mine[ok], k, "quadratic" if item.scale else None))
                if ok.any()
                else None
            )
            if item.kind in BINARY_KINDS:
                figure["balanced_f1"] = _r(balanced_f1(theirs[ok], mine[ok]))
                if item.axis:
                    by_axis.setdefault(item.axis, []).append((theirs[ok], mine[ok]))
            entry["criteria"].append(figure)
        for axis, parts in sorted(by_axis.items()):
            ref = np.concatenate([p[0] for p in parts])
            got = np.concatenate([p[1] for p in parts])
            entry["axes"].append(
                {
                    "axis": axis,
                    "n": int(ref.size),
                    "balanced_f1": _r(balanced_f1(ref, got)),
                    "kappa": _r(cohen_kappa(ref, got, 2)) if ref.size else None,
                }
            )
        out.append(entry)
    return out


def _answer_from(
    ds: Dataset, physician: np.ndarray, reliability: np.ndarray, verdict_values: np.ndarray
) -> np.ndarray:
    """For each sample, the most reliable physician who voted the consensus verdict "revise"."""
    chosen = np.full(ds.n_samples, -1)
    verdict_col = next((i for i, it in enumerate(ds.items) if it.kind == "verdict"), None)
    if verdict_col is None:
        return chosen
    revise = ds.items[verdict_col].categories.index("revise")
    rows = physician & (ds.codes[:, verdict_col] == revise)
    rows &= verdict_values[ds.sample] == revise
    samples, raters = ds.sample[rows], ds.rater[rows]
    order = np.lexsort((raters, -reliability[raters], samples))
    samples, raters = samples[order], raters[order]
    first = np.r_[True, samples[1:] != samples[:-1]] if samples.size else np.zeros(0, bool)
    chosen[samples[first]] = raters[first]
    return chosen


@dataclass
class ConsensusPhase:
    """What storing consensus and settling need; computed before the report's statistics."""

    consensuses: list[Consensus]
    values: np.ndarray  # n_samples x len(items)
    confidence: np.ndarray  # n_samples x len(items)
    physician_reviews: np.ndarray  # per sample
    answer_from: np.ndarray  # per sample
    compared: np.ndarray  # per rater: leave-one-out comparisons
    agreed: np.ndarray  # per rater: leave-one-out agreements


def _map(fn, args: list, workers: int) -> list:
    """`[fn(a) for a in args]`, on `workers` threads (numpy releases the GIL in its loops)."""
    if workers <= 1 or len(args) <= 1:
        return [fn(a) for a in args]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="agreement") as pool:
        return list(pool.map(fn, args))


def build_consensus(ds: Dataset, *, workers: int = 1) -> ConsensusPhase:
    """Consensus per sample and item, and the leave-one-out reliability that picks corrections."""
    physician = _physician_mask(ds)
    _physician_ratings(ds, physician, 0)  # the shared row subset, before any thread reads it

    def one(col: int) -> Consensus:
        item = ds.items[col]
        ratings = _physician_ratings(ds, physician, col)
        return consensus(ratings, scale=item.scale, method=ds.method)

    # The costliest (Dawid-Skene) first, so two threads finish together.
    order = sorted(range(len(ds.items)), key=lambda c: ds.items[c].scale)
    done = dict(zip(order, _map(one, order, workers), strict=True))
    consensuses = [done[c] for c in range(len(ds.items))]
    compared, agreed = _leave_one_out(ds, physician)
    with np.errstate(invalid="ignore", divide="ignore"):
        reliability = np.nan_to_num(agreed / compared, nan=0.0)
    values = np.stack([c.values for c in consensuses], axis=1)
    confidence = np.stack([c.confidence for c in consensuses], axis=1)
    # The stacked copies are what the rest uses; keep only each item's Dawid-Skene estimate.
    consensuses = [Consensus(np.zeros(0, c.values.dtype), np.zeros(0), c.ds) for c in consensuses]
    reviews = np.bincount(ds.sample[physician], minlength=ds.n_samples)
    verdict_col = next((i for i, it in enumerate(ds.items) if it.kind == "verdict"), None)
    verdict_values = (
        values[:, verdict_col] if verdict_col is not None else np.full(ds.n_samples, -1)
    )
    return ConsensusPhase(
        consensuses=consensuses,
        values=values,
        confidence=confidence,
        physician_reviews=reviews,
        answer_from=_answer_from(ds, physician, reliability, verdict_values),
        compared=compared,
        agreed=agreed,
    )


def build_report(ds: Dataset, phase: ConsensusPhase, *, workers: int = 1) -> Outcome:
    """Every figure of the report, given the consensus phase (pure numpy, no database)."""
    physician = _physician_mask(ds)
    _physician_ratings(ds, physician, 0)
    pairs = _pairs_per_item(ds, physician)
    figures = _statistics(ds, physician, pairs, workers)
    table = _physicians(ds, physician, phase.consensuses, pairs, phase.compared, phase.agreed)
    return Outcome(
        figures=figures,
        physicians=table,
        model_graders=_model_graders(ds, phase.values),
        consensus_values=phase.values,
        consensus_confidence=phase.confidence,
        physician_reviews=phase.physician_reviews,
        answer_from=phase.answer_from,
    )


def build(ds: Dataset) -> Outcome:
    return build_report(ds, build_consensus(ds))
