"""Every format's exact rows for accepted, revised, rejected and adjudicated samples."""

from __future__ import annotations

import pytest

from tests.exports.helpers import build, pseudonyms, read_rows

ORIGINAL = "Call emergency services if the pain is crushing or spreads to the arm."


def question(external_id: str) -> dict:
    return {"content": f"Question {external_id}: is this chest pain serious?", "role": "user"}


def by_id(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: row["id"])


def rubric_version(project) -> str:
    return f"{project.rubric.family}@1"


@pytest.mark.parametrize("file_format", ["jsonl", "parquet"])
def test_sft_rows_end_with_the_adjudicated_the_consensus_or_the_accepted_answer(
    curated, admin, file_format
):
    export = build(curated.project, admin, "sft", file_format=file_format)
    r = curated.reviewers
    version = rubric_version(curated.project)
    # Rows come in external-id order.
    assert read_rows(export) == by_id(
        [
            {
                "answer_source": "original",
                "id": "acc-1",
                "messages": [question("acc-1"), {"content": ORIGINAL, "role": "assistant"}],
                "reviewer_ids": pseudonyms(export, r["alice"], r["bob"]),
                "rubric_version": version,
                "specialty": "cardiology",
                "verdict": "accept",
            },
            {
                "answer_source": "consensus",
                "id": "rev-1",
                "messages": [question("rev-1"), {"content": "Call 911 now.", "role": "assistant"}],
                "reviewer_ids": pseudonyms(export, r["alice"], r["bob"], r["lena"]),
                "rubric_version": version,
                "specialty": "cardiology",
                "verdict": "revise",
            },
            {
                "answer_source": "adjudication",
                "id": "adj-1",
                "messages": [
                    question("adj-1"),
                    {"content": "Adjudicated answer.", "role": "assistant"},
                ],
                "reviewer_ids": pseudonyms(export, r["alice"], r["bob"]),
                "rubric_version": version,
                "specialty": "cardiology",
                "verdict": "revise",
            },
            {
                "answer_source": "original",
                "id": "neu-1",
                "messages": [question("neu-1"), {"content": ORIGINAL, "role": "assistant"}],
                "reviewer_ids": pseudonyms(export, r["nora"]),
                "rubric_version": version,
                "specialty": "neurology",
                "verdict": "accept",
            },
        ]
    )
    assert export.row_count == 4


def test_preference_rows_pair_the_correction_with_the_model_original(curated, admin):
    export = build(curated.project, admin, "preference")
    r = curated.reviewers
    version = rubric_version(curated.project)
    assert read_rows(export) == by_id(
        [
            {
                "answer_source": "consensus",
                "chosen": [{"content": "Call 911 now.", "role": "assistant"}],
                "id": "rev-1",
                "prompt": [question("rev-1")],
                "rejected": [{"content": ORIGINAL, "role": "assistant"}],
                "reviewer_ids": pseudonyms(export, r["alice"], r["bob"], r["lena"]),
                "rubric_version": version,
                "specialty": "cardiology",
            },
            {
                "answer_source": "adjudication",
                "chosen": [{"content": "Adjudicated answer.", "role": "assistant"}],
                "id": "adj-1",
                "prompt": [question("adj-1")],
                "rejected": [{"content": ORIGINAL, "role": "assistant"}],
                "reviewer_ids": pseudonyms(export, r["alice"], r["bob"]),
                "rubric_version": version,
                "specialty": "cardiology",
            },
        ]
    )


def criteria(values: dict, confidence, agreement) -> dict:
    return {
        key: {"agreement": agreement, "confidence": confidence, "value": value}
        for key, value in values.items()
    }


GOOD = {"accurate": True, "advises_er": True, "completeness": 4, "urgency": "emergent"}
POOR = {"accurate": False, "advises_er": False, "completeness": 2, "urgency": "routine"}


@pytest.mark.parametrize("file_format", ["jsonl", "parquet"])
def test_graded_rows_carry_consensus_confidence_agreement_and_healthbench_score(
    curated, admin, file_format
):
    export = build(curated.project, admin, "graded", file_format=file_format)
    r = curated.reviewers
    rows = {row["id"]: row for row in read_rows(export)}
    assert list(rows) == ["acc-1", "adj-1", "neu-1", "rej-1", "rev-1"]
    expected = {
        "acc-1": (criteria(GOOD, 1.0, 1.0), 1.0, "accept", [r["alice"], r["bob"]]),
        "rev-1": (criteria(POOR, 0.6667, 0.3333), 0.0, "revise", [r["alice"], r["bob"], r["lena"]]),
        "rej-1": (criteria(POOR, 1.0, None), 0.0, "reject", [r["nora"]]),
        "adj-1": (criteria(GOOD, 0.5, 0.0), 1.0, "revise", [r["alice"], r["bob"]]),
        "neu-1": (criteria(GOOD, 1.0, None), 1.0, "accept", [r["nora"]]),
    }
    for external_id, (crit, score, verdict, reviewers) in expected.items():
        row = rows[external_id]
        assert row["criteria"] == crit, external_id
        assert row["score"] == score, external_id
        assert row["verdict"] == verdict
        assert row["answer"] == ORIGINAL
        assert row["messages"] == [question(external_id)]
        assert row["reviewer_ids"] == pseudonyms(export, *reviewers)
        assert row["rubric_version"] == rubric_version(curated.project)


def test_reviewer_ids_never_reveal_names_or_emails_and_model_graders_never_appear(curated, admin):
    export = build(curated.project, admin, "sft")
    text = repr(read_rows(export))
    for physician in curated.reviewers.values():
        assert physician.user.email not in text
        assert physician.user.first_name not in text
    assert "judge" not in text
    assert "A judge's rewrite." not in text
    ids = {rid for row in read_rows(export) for rid in row["reviewer_ids"]}
    assert len(ids) == 4  # alice, bob, lena, nora: the model grader is not a reviewer
    assert all(rid.startswith("r_") and len(rid) == 18 for rid in ids)
