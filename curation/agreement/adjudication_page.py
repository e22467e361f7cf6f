"""What the adjudication page shows: the reviews criterion by criterion in words, where the
reviewers differ, the vote split, and the final-label form pre-filled from the consensus.

Presentation only, from the rubric's one list of answer options (`curation.rubrics.options`).
"""

from __future__ import annotations

from collections import Counter

from curation.models import Criterion, Sample
from curation.rubrics.options import criterion_options, grade_to_value

VERDICTS = (("accept", "Accept"), ("revise", "Revise"), ("reject", "Reject"))
NO_GRADE = "—"
CONFIDENCE_MEANS = {
    "dawid_skene": (
        "Confidence is the probability Dawid-Skene gives this value after weighing each reviewer "
        "by how often they agreed with the panel across the whole project. Where half or fewer "
        "of the reviewers chose the value it is capped at their share, so a split vote never "
        "reads as confident; the vote split beside it is what the reviewers said."
    ),
    "majority": "Confidence is the share of reviewers who chose this value.",
}


def _label(criterion: Criterion, grades: dict | None) -> str:
    if not grades or criterion.key not in grades:
        return NO_GRADE
    value = grade_to_value(criterion, grades[criterion.key])
    for option in criterion_options(criterion):
        if option.value == value:
            return option.label
    return str(grades[criterion.key]) if value else NO_GRADE


def _split(values: list[str]) -> list[tuple[str, int]]:
    return Counter(values).most_common()


def comparison(sample: Sample, criteria: list[Criterion], reviews: list) -> list[dict]:
    """One row per criterion and one for the verdict: each review's answer in words, the vote
    split, whether the reviewers differ, and the consensus with its confidence."""
    consensus = getattr(sample, "consensus", None)
    rows = []
    for c in criteria:
        cells = [_label(c, r.grades) for r in reviews]
        confidence = (consensus.confidence or {}).get(c.key) if consensus else None
        rows.append(
            {
                "key": c.key,
                "label": c.label,
                "cells": cells,
                "split": _split(cells),
                "differs": len(set(cells)) > 1,
                "tied": _tied(cells),
                "consensus": _label(c, consensus.grades) if consensus else NO_GRADE,
                "confidence": confidence,
            }
        )
    names = dict(VERDICTS)
    cells = [names.get(r.verdict, r.verdict) for r in reviews]
    rows.append(
        {
            "key": "verdict",
            "label": "Verdict",
            "cells": cells,
            "split": _split(cells),
            "differs": len(set(cells)) > 1,
            "tied": _tied(cells),
            "consensus": names.get(consensus.verdict, NO_GRADE) if consensus else NO_GRADE,
            "confidence": consensus.verdict_confidence if consensus else None,
        }
    )
    return rows


def _tied(values: list) -> bool:
    """The reviewers' most common answer is shared by another: there is no consensus to offer."""
    counts = Counter(values).most_common(2)
    return len(counts) == 2 and counts[0][1] == counts[1][1]


def default_value(criterion: Criterion, consensus, reviews: list) -> str:
    """The consensus value as the option that shows it; empty where there is none (no consensus
    label, or the reviewers split evenly). A consensus of "not applicable" (stored as null)
    pre-selects "Not applicable"."""
    if consensus is None or criterion.key not in (consensus.grades or {}):
        return ""
    if _tied([_label(criterion, r.grades) for r in reviews]):
        return ""
    return grade_to_value(criterion, consensus.grades[criterion.key])


def criteria_fields(
    sample: Sample, criteria: list[Criterion], reviews: list, posted=None
) -> list[dict]:
    consensus = getattr(sample, "consensus", None)
    fields = []
    for c in criteria:
        options = [(option.value, option.label) for option in criterion_options(c)]
        if posted:
            current = posted.get(f"grade-{c.key}", "")
        else:
            current = default_value(c, consensus, reviews)
        fields.append(
            {"criterion": c, "name": f"grade-{c.key}", "options": options, "current": current}
        )
    return fields


def default_verdict(sample: Sample, reviews: list, posted=None) -> str:
    if posted:
        return posted.get("verdict", "")
    consensus = getattr(sample, "consensus", None)
    if consensus is None or _tied([r.verdict for r in reviews]):
        return ""
    return consensus.verdict
