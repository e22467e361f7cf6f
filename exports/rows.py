"""From a sample's stored label to one dataset row, per format; pure functions, no database.

Rows are plain dicts with the same keys in every row, so JSON Lines and Parquet (with the schema
below) hold the same thing and Hugging Face `datasets` loads either as it is.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import pyarrow as pa

from .models import DatasetFormat
from .selectors import SampleReviews

ROW_REVIEWERS = 8  # where `export_sample_rows` puts reviewer ids when read in SQL

NO_REVIEWS = SampleReviews()

MESSAGE = pa.struct([("content", pa.string()), ("role", pa.string())])
MESSAGES = pa.list_(MESSAGE)
COMMON = [
    ("id", pa.string()),
    ("reviewer_ids", pa.list_(pa.string())),
    ("rubric_version", pa.string()),
    ("specialty", pa.string()),
]


@dataclass(frozen=True)
class CriterionInfo:
    key: str
    kind: str
    points: int | None


@dataclass
class RowContext:
    """What every row of one export shares."""

    format: str
    rubric_version: str
    salt: bytes
    criteria: Sequence[CriterionInfo] = ()
    in_sql_reviewers: bool = False
    with_grades: bool = False
    skip_reviewers: frozenset[int] = frozenset()
    _pseudonyms: dict[int, str] = field(default_factory=dict)

    @property
    def grades_at(self) -> int:
        """Where the final grades sit in a row tuple (see `export_sample_rows`)."""
        extra = (1 + self.with_grades) if self.in_sql_reviewers else 0
        return ROW_REVIEWERS + extra

    def reviews_in_row(self, sample: tuple, corrections: SampleReviews | None) -> SampleReviews:
        """The physicians' reviews a row tuple carries (PostgreSQL), model graders left out."""
        reviews = SampleReviews()
        if corrections is not None:
            reviews.corrections = corrections.corrections
        user_ids = sample[ROW_REVIEWERS]
        grades = sample[ROW_REVIEWERS + 1] if self.with_grades else None
        for i, user_id in enumerate(user_ids):
            if user_id in self.skip_reviewers:
                continue
            reviews.reviewer_ids.append(user_id)
            if grades is not None:
                reviews.grades.append(orjson.loads(grades[i]) if grades[i] else {})
        return reviews

    def pseudonym(self, user_id: int) -> str:
        """A reviewer id stable within this export and meaningless outside it."""
        name = self._pseudonyms.get(user_id)
        if name is None:
            digest = hmac.new(self.salt, str(user_id).encode(), hashlib.sha256).hexdigest()
            name = self._pseudonyms[user_id] = "r_" + digest[:16]
        return name


def arrow_schema(ctx: RowContext) -> pa.Schema:
    fields = list(COMMON)
    if ctx.format == DatasetFormat.SFT:
        fields += [("answer_source", pa.string()), ("messages", MESSAGES), ("verdict", pa.string())]
    elif ctx.format == DatasetFormat.PREFERENCE:
        fields += [
            ("answer_source", pa.string()),
            ("chosen", MESSAGES),
            ("prompt", MESSAGES),
            ("rejected", MESSAGES),
        ]
    else:
        value_type = {"binary": pa.bool_(), "points": pa.bool_(), "ordinal": pa.int64()}
        criteria = pa.struct(
            [
                (
                    c.key,
                    pa.struct(
                        [
                            ("agreement", pa.float64()),
                            ("confidence", pa.float64()),
                            ("value", value_type.get(c.kind, pa.string())),
                        ]
                    ),
                )
                for c in sorted(ctx.criteria, key=lambda c: c.key)
            ]
        )
        fields += [
            ("answer", pa.string()),
            ("criteria", criteria),
            ("messages", MESSAGES),
            ("score", pa.float64()),
            ("verdict", pa.string()),
        ]
    return pa.schema(sorted(fields))


def conversation(messages_json: str) -> list[dict]:
    """Chat turns reduced to role and content, the shape chat templates expect."""
    messages = orjson.loads(messages_json) or []
    if all(
        type(m) is dict
        and len(m) == 2
        and type(m.get("content")) is str
        and type(m.get("role")) is str
        for m in messages
    ):
        return messages  # already {role, content} with text: the common case, kept as it is
    out = []
    for message in messages:
        content = message.get("content", "")
        if not isinstance(content, str):
            content = orjson.dumps(content, option=orjson.OPT_SORT_KEYS).decode()
        out.append({"content": content, "role": str(message.get("role", "user"))})
    return out


def final_answer(
    *,
    final_source: str,
    final_verdict: str,
    final_answer: str,
    original: str,
    reviews: SampleReviews,
) -> tuple[str, str] | None:
    """The answer to train on, and where it came from.

    The adjudicated answer, else the consensus correction, else the model's original answer where
    physicians accepted it. None when there is nothing to train on (a rejected answer).
    """
    if final_source == "adjudication" and final_answer:
        return final_answer, "adjudication"
    if final_verdict == "revise":
        if final_answer:
            return final_answer, "consensus"
        correction = reviews.best_correction()
        return (correction, "consensus") if correction else None
    if final_verdict == "accept":
        return original, "original"
    return None


def criterion_consensus(
    criteria: Iterable[CriterionInfo],
    final_grades: dict | None,
    reviewer_grades: list[dict],
    label_confidence: dict | None = None,
) -> dict[str, dict[str, Any]]:
    """Per criterion: the consensus value; its confidence (the agreement job's, where it ran, else
    the share of physicians who gave that value); and the share of physician pairs who agree
    (None when fewer than two graded it)."""
    final_grades = final_grades or {}
    label_confidence = label_confidence or {}
    out = {}
    for criterion in criteria:
        votes = [g[criterion.key] for g in reviewer_grades if criterion.key in g]
        tally: dict[Any, int] = {}
        for vote in votes:
            tally[_hashable(vote)] = tally.get(_hashable(vote), 0) + 1
        if criterion.key in final_grades:
            value = final_grades[criterion.key]
        elif tally:
            value = max(tally, key=lambda v: tally[v])  # first seen wins a tie
        else:
            value = None
        n = len(votes)
        if label_confidence.get(criterion.key) is not None:
            confidence = round(float(label_confidence[criterion.key]), 4)
        else:
            confidence = round(tally.get(_hashable(value), 0) / n, 4) if n else None
        agreement = (
            round(sum(c * (c - 1) for c in tally.values()) / (n * (n - 1)), 4) if n >= 2 else None
        )
        out[criterion.key] = {"agreement": agreement, "confidence": confidence, "value": value}
    return out


def sample_consensus(ctx: RowContext, sample: tuple, reviews: SampleReviews | None) -> dict:
    """Consensus per criterion of a row tuple selected `with_grades`."""
    at = ctx.grades_at
    final_grades = orjson.loads(sample[at]) if sample[at] else None
    label_confidence = orjson.loads(sample[at + 1]) if sample[at + 1] else None
    grades = reviews.grades if reviews else []
    return criterion_consensus(ctx.criteria, final_grades, grades, label_confidence)


def _hashable(value: Any) -> Any:
    return orjson.dumps(value) if isinstance(value, list | dict) else value


def healthbench_score(criteria: Iterable[CriterionInfo], values: dict[str, Any]) -> float | None:
    """Points of the points-criteria met over the maximum positive points, clipped to [0, 1].

    Criteria marked not applicable count on neither side.
    """
    earned = possible = 0
    for criterion in criteria:
        if criterion.kind != "points" or criterion.points is None:
            continue
        met = values.get(criterion.key)
        if met is None:
            continue
        if criterion.points > 0:
            possible += criterion.points
        if met is True:
            earned += criterion.points
    if possible == 0:
        return None
    return round(min(1.0, max(0.0, earned / possible)), 6)


def build_row(ctx: RowContext, sample: tuple, reviews: SampleReviews | None) -> dict | None:
    """One dataset row from one `export_sample_rows` tuple; None when the sample yields no row."""
    (_id, external_id, specialty, messages_json, answer, verdict, final_text, source) = sample[:8]
    reviews = reviews or NO_REVIEWS
    if ctx.in_sql_reviewers and not ctx.with_grades:
        user_ids = sample[ROW_REVIEWERS]
        if ctx.skip_reviewers:
            user_ids = [u for u in user_ids if u not in ctx.skip_reviewers]
    else:
        user_ids = reviews.reviewer_ids
    pseudonym = ctx.pseudonym
    row = {
        "id": external_id,
        "reviewer_ids": sorted([pseudonym(uid) for uid in user_ids]),
        "rubric_version": ctx.rubric_version,
        "specialty": specialty,
    }
    if ctx.format == DatasetFormat.GRADED:
        consensus = sample_consensus(ctx, sample, reviews)
        row.update(
            answer=answer,
            criteria=consensus,
            messages=conversation(messages_json),
            score=healthbench_score(
                ctx.criteria, {key: c["value"] for key, c in consensus.items()}
            ),
            verdict=verdict or None,
        )
        return row
    if ctx.format == DatasetFormat.PREFERENCE:
        resolved = final_answer(
            final_source=source,
            final_verdict=verdict,
            final_answer=final_text,
            original=answer,
            reviews=reviews,
        )
        if resolved is not None and resolved[0] == answer and not final_text:
            correction = reviews.best_correction(other_than=answer)
            resolved = (correction, "consensus") if correction else None
        if resolved is None or resolved[1] == "original" or resolved[0] == answer:
            return None
        row.update(
            answer_source=resolved[1],
            chosen=[{"content": resolved[0], "role": "assistant"}],
            prompt=conversation(messages_json),
            rejected=[{"content": answer, "role": "assistant"}],
        )
        return row
    resolved = final_answer(
        final_source=source,
        final_verdict=verdict,
        final_answer=final_text,
        original=answer,
        reviews=reviews,
    )
    if resolved is None:
        return None
    messages = conversation(messages_json)
    messages.append({"content": resolved[0], "role": "assistant"})
    row.update(answer_source=resolved[1], messages=messages, verdict=verdict or None)
    return row
