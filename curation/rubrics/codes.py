"""A review's grades as fixed-width category codes, stored beside the JSON they come from.

The agreement job reads every review of a project; at a million samples, turning the stored JSON
back into categories was most of its time. A rubric version never changes once it has reviews
(a changed rubric becomes a new version), so each grade's category can be computed once, when the
review is written, and stored as `Review.grade_codes`: one little-endian int16 per criterion in
rubric order, then one for the verdict; -1 where the grade is missing, not applicable or not one
of the criterion's categories. The job reads these bytes with a binary COPY; a review whose
codes are absent or do not fit its rubric is read from its JSON instead, so the codes only ever
make the job faster, never different.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from curation.agreement.stats.report import Item
from curation.rubrics.validation import VERDICTS

CODE_DTYPE = np.dtype("<i2")
MISSING = -1


def rubric_items(rubric_id: int, criteria=None) -> list[Item]:
    """The graded items of a rubric version, in code order: its criteria, then the verdict.

    `criteria` are the rubric's criteria when the caller has already read them.
    """
    from curation.models.rubric import Criterion

    if criteria is None:
        criteria = Criterion.objects.filter(rubric_id=rubric_id)
    items = [
        Item(c.key, c.label, c.kind, c.categories(), c.axis)
        for c in sorted(criteria, key=lambda c: c.position)
    ]
    items.append(Item("verdict", "Verdict", "verdict", list(VERDICTS)))
    return items


def grade_code(item: Item, value) -> int:
    """The category code of one stored grade; -1 when missing, not applicable or malformed."""
    if value is None:
        return MISSING
    if item.kind in ("binary", "points"):
        return int(value) if isinstance(value, bool) else MISSING
    if item.kind == "ordinal":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return MISSING
        if value != int(value):
            return MISSING
        code = int(value) - int(item.categories[0])
        return code if 0 <= code < len(item.categories) else MISSING
    try:
        return item.categories.index(value)
    except ValueError:
        return MISSING


def grade_codes_encode(items: Sequence[Item], grades, verdict) -> bytes:
    """The stored bytes of one review's codes (the verdict is the last item)."""
    grades = grades if isinstance(grades, Mapping) else {}
    codes = [
        grade_code(item, verdict if item.kind == "verdict" else grades.get(item.key))
        for item in items
    ]
    return np.asarray(codes, dtype=CODE_DTYPE).tobytes()


def grade_codes_width(items: Sequence[Item]) -> int:
    return len(items) * CODE_DTYPE.itemsize
