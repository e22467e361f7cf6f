"""Stored grade codes: written with every review, dropped when they go stale, never decisive."""

from __future__ import annotations

import random

import numpy as np
import pytest

from curation.agreement.read import read_portable, read_postgres
from curation.agreement.services import _items
from curation.models import Review
from curation.rubrics.codes import rubric_items

from .conftest import AGREE, record_review

pytestmark = pytest.mark.django_db


def _codes(review: Review) -> list[int]:
    review.refresh_from_db()
    if review.grade_codes is None:
        return []
    return np.frombuffer(bytes(review.grade_codes), dtype="<i2").tolist()


def test_a_saved_review_stores_the_code_of_each_grade_and_the_verdict(project, panel, make_sample):
    review = record_review(make_sample(), panel[0], AGREE, verdict="revise", corrected_answer="x")
    # accurate True -> 1; completeness 4 on a 1-5 scale -> 3; urgency "emergent" -> its index;
    # advises_er True -> 1; verdict "revise" -> 1.
    items = rubric_items(project.rubric_id)
    urgency = next(it for it in items if it.key == "urgency").categories.index("emergent")
    assert _codes(review) == [1, 3, urgency, 1, 1]


def test_amending_through_save_recomputes_the_codes(project, panel, make_sample):
    review = record_review(make_sample(), panel[0], AGREE)
    review.grades = {**AGREE, "accurate": False, "completeness": None}
    review.save(update_fields=["grades"])
    assert _codes(review)[:2] == [0, -1]


def test_an_update_that_bypasses_save_clears_the_codes(project, panel, make_sample):
    review = record_review(make_sample(), panel[0], AGREE)
    assert _codes(review)
    Review.objects.filter(pk=review.pk).update(grades={**AGREE, "accurate": False})
    assert _codes(review) == []
    Review.objects.filter(pk=review.pk).update(rationale="unrelated edit")  # codes stay absent
    assert _codes(review) == []


def test_an_update_that_leaves_grades_alone_keeps_the_codes(project, panel, make_sample):
    review = record_review(make_sample(), panel[0], AGREE)
    before = _codes(review)
    Review.objects.filter(pk=review.pk).update(rationale="typo fixed", grades=review.grades)
    assert _codes(review) == before


def _random_grades(rng: random.Random) -> dict:
    return {
        "accurate": rng.choice([True, False, None, "yes"]),
        "completeness": rng.choice([1, 2, 3, 4, 5, None, 2.5, 9, "3"]),
        "urgency": rng.choice(["emergent", "urgent", "routine", None, 'odd "\\ value']),
        "advises_er": rng.choice([True, False, None]),
    }


def test_codes_binary_copy_json_fallback_and_portable_reader_agree(project, panel, make_sample):
    rng = random.Random(11)
    for _ in range(12):
        sample = make_sample()
        for physician in panel:
            verdict = rng.choice(["accept", "revise", "reject"])
            record_review(
                sample,
                physician,
                _random_grades(rng),
                verdict=verdict,
                corrected_answer="fixed" if verdict == "revise" else "",
            )
    items = _items(project)
    oracle = read_portable(project, items)
    order = np.lexsort((oracle["reviewer"], oracle["sample"]))

    def same(read: dict) -> None:
        mine = np.lexsort((read["reviewer"], read["sample"]))
        for name, values in oracle.items():
            assert read[name][mine].tolist() == values[order].tolist(), name

    same(read_postgres(project, items))  # every review from its codes
    half = Review.objects.filter(project=project).order_by("pk").values_list("pk", flat=True)[::2]
    Review.objects.filter(pk__in=list(half)).update(grade_codes=None)
    same(read_postgres(project, items))  # half from codes, half from JSON
    Review.objects.filter(project=project).update(grade_codes=b"\x00\x00")  # wrong width
    same(read_postgres(project, items))  # all from JSON
