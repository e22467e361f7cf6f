"""HealthBench's score of a response against its sample criteria, per axis and per theme.

A response's score is the points of the criteria it met over the sum of the positive points
(negative criteria met take points away; None when no criterion has positive points). Scores of
many responses are averaged and the mean is clipped to [0, 1], as HealthBench reports them. Per
axis, a response is scored on its criteria of that axis alone; per theme, a response's overall
score counts towards each theme of its sample.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np


def response_score(points: Sequence[int], met: Sequence[bool]) -> float | None:
    """Points met over positive points possible (unclipped); None if nothing positive."""
    p = np.asarray(points, dtype=np.float64)
    m = np.asarray(met, dtype=bool)
    if p.shape != m.shape:
        raise ValueError("points and met must have the same length")
    possible = p[p > 0].sum()
    if possible == 0:
        return None
    return float(p[m].sum() / possible)


def clipped_mean(values: Iterable[float]) -> float | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    return float(np.clip(np.mean(values), 0.0, 1.0))


@dataclass
class GradedResponse:
    """One response: its criteria (points, axis, met) and its sample's themes."""

    points: list[int]
    axes: list[str]
    met: list[bool]
    themes: list[str] = field(default_factory=list)


@dataclass
class ScoreReport:
    overall: float | None
    n: int
    by_axis: dict[str, float | None]
    by_theme: dict[str, float | None]

    def as_dict(self) -> dict:
        return {
            "overall": self.overall,
            "n": self.n,
            "by_axis": self.by_axis,
            "by_theme": self.by_theme,
        }


def score_report(responses: Iterable[GradedResponse]) -> ScoreReport:
    overall: list[float] = []
    axes: dict[str, list[float]] = defaultdict(list)
    themes: dict[str, list[float]] = defaultdict(list)
    for r in responses:
        score = response_score(r.points, r.met)
        if score is None:
            continue
        overall.append(score)
        for theme in r.themes:
            themes[theme].append(score)
        for axis in sorted(set(r.axes)):
            keep = [a == axis for a in r.axes]
            part = response_score(
                [p for p, k in zip(r.points, keep, strict=True) if k],
                [m for m, k in zip(r.met, keep, strict=True) if k],
            )
            if part is not None:
                axes[axis].append(part)
    return ScoreReport(
        overall=clipped_mean(overall),
        n=len(overall),
        by_axis={k: clipped_mean(v) for k, v in sorted(axes.items())},
        by_theme={k: clipped_mean(v) for k, v in sorted(themes.items())},
    )
