"""HealthBench's score, checked against cases computed by hand."""

import pytest

from curation.agreement.stats.rubric_score import GradedResponse, response_score, score_report


def test_met_points_over_positive_points():
    # +5 met, +3 not met, -2 not met: 5 / 8
    assert response_score([5, 3, -2], [True, False, False]) == pytest.approx(5 / 8)


def test_negative_criterion_met_takes_points_away():
    # +5 met, +3 met, -4 met: (5 + 3 - 4) / 8
    assert response_score([5, 3, -4], [True, True, True]) == pytest.approx(0.5)


def test_response_score_is_unclipped_below_zero():
    # only the -6 met: -6 / 4
    assert response_score([4, -6], [False, True]) == pytest.approx(-1.5)


def test_no_positive_points_has_no_score():
    assert response_score([-3, -1], [True, False]) is None


def test_mean_is_clipped_to_zero_and_one():
    low = GradedResponse(points=[4, -6], axes=["accuracy"] * 2, met=[False, True])  # -1.5
    fine = GradedResponse(points=[2, 2], axes=["accuracy"] * 2, met=[True, False])  # 0.5
    assert score_report([low]).overall == 0.0
    # mean of -1.5 and 0.5 is -0.5, clipped to 0
    assert score_report([low, fine]).overall == 0.0
    both = GradedResponse(points=[2], axes=["accuracy"], met=[True])  # 1.0
    assert score_report([fine, both]).overall == pytest.approx(0.75)


def test_per_axis_scores_use_that_axis_alone_and_themes_the_overall_score():
    r1 = GradedResponse(
        points=[6, 4, -5, 2],
        axes=["accuracy", "completeness", "accuracy", "communication_quality"],
        met=[True, False, True, True],
        themes=["theme:emergency_referrals"],
    )
    r2 = GradedResponse(
        points=[3, -2],
        axes=["accuracy", "completeness"],
        met=[False, True],
        themes=["theme:hedging"],
    )
    report = score_report([r1, r2])
    # r1 overall: (6 - 5 + 2) / 12 = 0.25; r2 overall: -2 / 3 -> mean (0.25 - 0.6667) / 2 < 0
    assert report.overall == 0.0
    assert report.n == 2
    # accuracy: r1 (6 - 5) / 6 = 1/6; r2 0 / 3 = 0 -> mean 1/12
    assert report.by_axis["accuracy"] == pytest.approx(1 / 12)
    # completeness: r1 0 / 4 = 0; r2 has no positive completeness criterion -> only r1
    assert report.by_axis["completeness"] == 0.0
    assert report.by_axis["communication_quality"] == 1.0
    assert report.by_theme == {
        "theme:emergency_referrals": pytest.approx(0.25),
        "theme:hedging": 0.0,
    }
