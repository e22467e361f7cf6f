"""A cardiology panel of three physicians and a lead, and a quick way to record their reviews."""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone

from curation.models import Review, Sample
from tests.factories import PhysicianFactory, SampleFactory, join

_keys = itertools.count()

AGREE = {"accurate": True, "completeness": 4, "urgency": "emergent", "advises_er": True}


def record_review(
    sample: Sample,
    physician,
    grades: dict | None = None,
    verdict: str = "accept",
    *,
    corrected_answer: str = "",
    is_model: bool = False,
    time_ms: int = 60_000,
) -> Review:
    """A submitted review, counted toward the sample's k as the review workflow counts it."""
    user = physician.user if hasattr(physician, "user") else physician
    review = Review.objects.create(
        project=sample.project,
        sample=sample,
        reviewer=user,
        rubric=sample.project.rubric,
        grades=dict(AGREE if grades is None else grades),
        verdict=verdict,
        corrected_answer=corrected_answer,
        rationale="" if verdict == "accept" else "Needs a change.",
        is_model=is_model,
        time_on_task_ms=time_ms,
        submitted_at=timezone.now(),
        client_key=f"k{next(_keys)}",
    )
    if not is_model:
        sample.reviews_done += 1
        if sample.reviews_done >= sample.project.overlap:
            sample.status = Sample.Status.COMPLETE
        sample.save(update_fields=["reviews_done", "status"])
    return review


@pytest.fixture
def third_cardiologist(db, cohort):
    physician = PhysicianFactory(
        user__username="carl@rounds.test", user__first_name="Carl", specialties=["cardiology"]
    )
    join(cohort, physician)
    return physician


@pytest.fixture
def panel(cardiologist, second_cardiologist, third_cardiologist):
    return [cardiologist, second_cardiologist, third_cardiologist]


@pytest.fixture
def model_grader(db):
    return PhysicianFactory(user__username="judge@models.test", is_model=True)


@pytest.fixture
def make_sample(project):
    def make(**kwargs) -> Sample:
        return SampleFactory(project=project, **kwargs)

    return make


@pytest.fixture
def reviewed(project, panel, make_sample):
    """Twenty-four samples the panel agrees on, so every statistic has something to count."""

    def build(n: int = 24) -> list[Sample]:
        samples = []
        for i in range(n):
            sample = make_sample()
            grades = dict(AGREE, accurate=i % 2 == 0, completeness=1 + i % 5)
            for physician in panel:
                record_review(sample, physician, grades)
            samples.append(sample)
        return samples

    return build
