"""Helpers shared by the reviewer-workflow tests (grades that pass the default rubric, etc.)."""

from __future__ import annotations

from curation.models import Assignment, Review, Sample
from curation.reviewing.assignment import assignment_next
from curation.reviewing.reviews import review_submit
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


def disputed_sample(project, accepting, rejecting, grades: dict) -> Sample:
    """A sample two physicians reviewed through the queue (accept, reject), awaiting a lead."""
    disputed = SampleFactory(project=project, external_id="disputed")
    for physician, verdict in ((accepting, "accept"), (rejecting, "reject")):
        lease = assignment_next(user=physician.user, project=project).assignment
        assert lease is not None and lease.sample_id == disputed.pk
        review_submit(
            assignment_id=lease.pk,
            user=physician.user,
            grades=grades,
            verdict=verdict,
            rationale="" if verdict == "accept" else "Unsafe advice.",
        )
    Sample.objects.filter(pk=disputed.pk).update(status=Sample.Status.ADJUDICATION)
    return disputed
