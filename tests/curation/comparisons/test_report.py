"""The comparison report of a project, read from the database, against the oracles."""

from __future__ import annotations

import choix
import krippendorff
import numpy as np
import pytest

from curation.comparisons.judgments import comparison_record
from curation.comparisons.report import comparison_report
from curation.intake.services import samples_import
from curation.models import Comparison, Sample
from tests.factories import PhysicianFactory, join

from .conftest import comparison_record as record

MODELS = ["model-a", "model-b", "model-c"]


@pytest.fixture
def judged(comparison_project, admin, cohort):
    """30 samples, 3 responses each (r1..r3 by models a, b, c), 4 physicians; model-a is best."""
    rng = np.random.default_rng(7)
    samples_import(
        project=comparison_project, source=[record(f"c{i}", 3) for i in range(30)], actor=admin
    )
    physicians = []
    for n in range(4):
        physician = PhysicianFactory(user__username=f"p{n}@rounds.test", specialties=["cardiology"])
        join(cohort, physician)
        physicians.append(physician.user)
    strength = np.array([1.0, 0.0, -0.5])
    for sample in Sample.objects.filter(project=comparison_project):
        for user in physicians:
            if rng.random() < 0.25:
                continue
            p = np.exp(strength) / np.exp(strength).sum()
            preferred = ["r1", "r2", "r3"][rng.choice(3, p=p)]
            accuracy = preferred if rng.random() < 0.8 else "tie"
            comparison_record(
                sample=sample,
                reviewer=user,
                preferred=preferred,
                axes={"accuracy": accuracy, "safety": preferred},
                actor=admin,
            )
    return comparison_project


def _reliability(project, axis: str | None) -> np.ndarray:
    rows = list(
        Comparison.objects.filter(project=project).values_list(
            "sample_id", "reviewer_id", "preferred", "axes"
        )
    )
    samples = sorted({r[0] for r in rows})
    reviewers = sorted({r[1] for r in rows})
    data = np.full((len(reviewers), len(samples)), np.nan)
    code = {"r1": 0, "r2": 1, "r3": 2, "tie": 4}
    for sample_id, reviewer_id, preferred, axes in rows:
        value = preferred if axis is None else axes[axis]
        data[reviewers.index(reviewer_id), samples.index(sample_id)] = code[value]
    return data


def test_alpha_per_axis_and_overall_match_krippendorff(judged):
    report = comparison_report(judged)
    for name, axis in (("overall", None), ("accuracy", "accuracy"), ("safety", "safety")):
        expected = krippendorff.alpha(
            reliability_data=_reliability(judged, axis), level_of_measurement="nominal"
        )
        assert report["agreement"][name]["alpha"] == pytest.approx(expected, abs=1e-6)
        low, high = report["agreement"][name]["ci_low"], report["agreement"][name]["ci_high"]
        assert low <= report["agreement"][name]["alpha"] <= high


def test_model_strengths_match_choix_and_rank_the_best_first(judged):
    report = comparison_report(judged)
    pairs = []
    for preferred, sample_id in Comparison.objects.filter(project=judged).values_list(
        "preferred", "sample_id"
    ):
        winner = int(preferred[1]) - 1
        pairs += [(winner, other) for other in range(3) if other != winner]
    expected = choix.ilsr_pairwise(3, pairs, tol=1e-13, max_iter=5000)
    table = {row["model"]: row for row in report["models"]["overall"]}
    for i, model in enumerate(MODELS):
        assert table[model]["strength"] == pytest.approx(expected[i], abs=1e-6)
        assert table[model]["ci_low"] < table[model]["strength"] < table[model]["ci_high"]
    assert report["models"]["overall"][0]["model"] == "model-a"
    assert {row["model"] for row in report["models"]["accuracy"]} == set(MODELS)


def test_position_bias_reads_the_order_each_physician_saw(judged):
    judgments = list(Comparison.objects.filter(project=judged))
    for n, c in enumerate(judgments):
        others = [k for k in ("r1", "r2", "r3") if k != c.preferred]
        # The preferred response was shown first in every second judgment.
        c.display_order = [c.preferred, *others] if n % 2 == 0 else [*others, c.preferred]
        c.save(update_fields=["display_order"])
    bias = comparison_report(judged)["position_bias"]
    assert bias["n"] == len(judgments)
    assert bias["first_shown_wins"] == pytest.approx(
        sum(1 for n in range(len(judgments)) if n % 2 == 0) / len(judgments)
    )
    assert bias["chance"] == pytest.approx(1 / 3)
    assert bias["ci_low"] < bias["first_shown_wins"] < bias["ci_high"]


def test_unanimous_share_and_physician_table(judged):
    report = comparison_report(judged)
    data = _reliability(judged, None)
    several = (~np.isnan(data)).sum(axis=0) >= 2
    unanimous = sum(
        len(set(data[:, i][~np.isnan(data[:, i])])) == 1 for i in np.flatnonzero(several)
    )
    assert report["agreement"]["overall"]["unanimous_share"] == pytest.approx(
        unanimous / several.sum()
    )
    assert len(report["physicians"]) == 4
    assert sum(p["judgments"] for p in report["physicians"]) == report["judgments"]
    for row in report["physicians"]:
        assert 0 <= row["agreement_with_others"] <= 1


def test_strengths_per_specialty_use_only_that_specialtys_samples(judged, admin):
    from annotators.models import Specialty

    neuro = Specialty.objects.get(code="neurology")
    chosen = list(Sample.objects.filter(project=judged).order_by("id")[:10])
    Sample.objects.filter(pk__in=[s.pk for s in chosen]).update(specialty=neuro)
    report = comparison_report(judged)
    assert set(report["models_by_specialty"]) == {"cardiology", "neurology"}
    pairs = []
    for preferred in Comparison.objects.filter(sample__in=chosen).values_list(
        "preferred", flat=True
    ):
        winner = int(preferred[1]) - 1
        pairs += [(winner, other) for other in range(3) if other != winner]
    expected = choix.ilsr_pairwise(3, pairs, tol=1e-13, max_iter=5000)
    table = {row["model"]: row for row in report["models_by_specialty"]["neurology"]}
    assert all(row["ridge"] == 0 for row in table.values())  # every model won and lost
    for i, model in enumerate(MODELS):
        assert table[model]["strength"] == pytest.approx(expected[i], abs=1e-6)
    assert sum(row["comparisons"] for row in table.values()) == 2 * len(pairs)
