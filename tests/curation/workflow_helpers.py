"""Helpers shared by the reviewer-workflow tests (grades that pass the default rubric, etc.)."""

from __future__ import annotations

from curation.models import Assignment, Review, Sample
from tests.factories import SampleFactory

GOOD_GRADES = {"accurate": True, "completeness": 4, "urgency": "emergent", "advises_er": None}


def grades(**overrides) -> dict:
    return {**GOOD_GRADES, **overrides}


def samples(project, n: int, **kwargs) -> list[Sample]:
    return SampleFactory.create_batch(n, project=project, **kwargs)


def held(sample: Sample) -> int:
    """Leases plus reviews a sample has: what slots_open must account for."""
    leases = Assignment.objects.filter(sample=sample, status=Assignment.Status.LEASED).count()
    reviews = Review.objects.filter(sample=sample, is_model=False).count()
    return leases + reviews
