"""Model graders against physicians: macro F1 checked against scikit-learn's f1_score."""

import numpy as np
import pytest
from sklearn.metrics import f1_score

from curation.agreement.stats.meta_eval import CriterionVotes, majority, meta_evaluation


def _random_items(seed, n=300):
    rng = np.random.default_rng(seed)
    items = []
    for i in range(n):
        truth = bool(rng.random() < 0.4)
        k = int(rng.integers(1, 5))
        votes = [bool(truth if rng.random() < 0.85 else not truth) for _ in range(k)]
        model = bool(truth if rng.random() < 0.8 else not truth)
        axis = ["axis:accuracy", "axis:completeness"][i % 2]
        items.append(CriterionVotes(physicians=votes, model=model, groups=[axis, "theme:t"]))
    return items


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_model_f1_matches_scikit_learn_overall_and_per_group(seed):
    items = _random_items(seed)
    report = meta_evaluation(items, rounds=200)
    kept = [(majority(i.physicians), i.model) for i in items if majority(i.physicians) is not None]
    y_true, y_pred = zip(*kept, strict=True)
    assert report["overall"]["model_f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert report["overall"]["criteria"] == len(kept)
    for group in ("axis:accuracy", "axis:completeness"):
        pairs = [
            (majority(i.physicians), i.model)
            for i in items
            if group in i.groups and majority(i.physicians) is not None
        ]
        t, p = zip(*pairs, strict=True)
        assert report["groups"][group]["model_f1"] == pytest.approx(f1_score(t, p, average="macro"))


def test_physician_agreement_is_each_against_the_others_majority():
    items = [
        CriterionVotes(physicians=[True, True, False], model=True),
        CriterionVotes(physicians=[False, False, False], model=False),
    ]
    report = meta_evaluation(items, rounds=50)
    # first: T vs maj(T,F)=tie -> out; T vs maj(T,F) out; F vs maj(T,T)=T. second: F vs F x3
    y_true = [True, False, False, False]
    y_pred = [False, False, False, False]
    assert report["overall"]["physician_f1"] == pytest.approx(
        f1_score(y_true, y_pred, average="macro")
    )


def test_ties_are_left_out_and_interval_brackets_the_estimate():
    items = _random_items(5) + [CriterionVotes(physicians=[True, False], model=True)]
    report = meta_evaluation(items, rounds=300)
    low, high = report["overall"]["model_f1_interval"]
    assert low <= report["overall"]["model_f1"] <= high
    assert high - low < 0.2


def test_a_grader_that_always_says_met_is_not_trusted():
    items = [CriterionVotes(physicians=[i % 2 == 0] * 3, model=True) for i in range(100)]
    report = meta_evaluation(items, rounds=100)
    assert report["overall"]["model_f1"] == pytest.approx(
        f1_score([i % 2 == 0 for i in range(100)], [True] * 100, average="macro")
    )
    assert report["overall"]["trusted"] is False
    good = [CriterionVotes(physicians=[i % 2 == 0] * 3, model=i % 2 == 0) for i in range(100)]
    assert meta_evaluation(good, rounds=100)["overall"]["trusted"] is True


def test_bootstrap_interval_matches_resampling_the_criteria():
    from curation.agreement.stats.f1 import balanced_f1
    from curation.agreement.stats.meta_eval import bootstrap_interval

    rng = np.random.default_rng(3)
    ref = (rng.random(400) < 0.4).astype(np.int64)
    out = np.where(rng.random(400) < 0.85, ref, 1 - ref)
    low, high = bootstrap_interval(ref, out, rounds=4000, seed=1)
    picks = rng.integers(0, 400, size=(4000, 400))
    naive = [balanced_f1(ref[p], out[p]) for p in picks]
    assert low == pytest.approx(np.percentile(naive, 2.5), abs=0.01)
    assert high == pytest.approx(np.percentile(naive, 97.5), abs=0.01)
