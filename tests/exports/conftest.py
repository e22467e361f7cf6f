"""A project whose samples end every way a label can: accepted, revised, rejected, adjudicated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from curation.models import Review, Sample
from tests.factories import PhysicianFactory, SampleFactory, specialty

GOOD = {"accurate": True, "completeness": 4, "urgency": "emergent", "advises_er": True}
POOR = {"accurate": False, "completeness": 2, "urgency": "routine", "advises_er": False}
SETTLED_AT = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def review(sample, physician, verdict, *, correction="", grades=None, is_model=False, minute=0):
    return Review.objects.create(
        project=sample.project,
        sample=sample,
        reviewer=physician.user,
        rubric=sample.project.rubric,
        grades=grades or GOOD,
        verdict=verdict,
        corrected_answer=correction,
        original_answer=sample.answer,
        rationale="" if verdict == "accept" else "Needs a change.",
        is_model=is_model,
        submitted_at=SETTLED_AT - dt.timedelta(hours=1) + dt.timedelta(minutes=minute),
    )


def settled(
    project,
    external_id,
    *,
    verdict,
    source="consensus",
    answer="",
    grades=None,
    code="cardiology",
    settled_at=SETTLED_AT,
    **extra,
):
    return SampleFactory(
        project=project,
        external_id=external_id,
        specialty=specialty(code),
        status=Sample.Status.SETTLED,
        slots_open=0,
        final_verdict=verdict,
        final_source=source,
        final_answer=answer,
        final_grades=grades or GOOD,
        settled_at=settled_at,
        **extra,
    )


@dataclass
class Curated:
    project: object
    accepted: Sample
    revised: Sample
    rejected: Sample
    adjudicated: Sample
    neuro_accepted: Sample
    gold: Sample
    reviewers: dict


@pytest.fixture
def model_grader(db):
    return PhysicianFactory(user__username="judge@rounds.test", is_model=True)


@pytest.fixture
def curated(project, cardiologist, second_cardiologist, lead, neurologist, model_grader):
    """Six settled samples plus an open and a quarantined one that must never be exported."""
    alice, bob, lena, nora = cardiologist, second_cardiologist, lead, neurologist
    accepted = settled(project, "acc-1", verdict="accept")
    review(accepted, alice, "accept")
    review(accepted, bob, "accept", minute=1)
    review(accepted, model_grader, "revise", correction="A judge's rewrite.", is_model=True)

    revised = settled(project, "rev-1", verdict="revise", grades=POOR)
    review(revised, alice, "revise", correction="Call 911 now.", grades=POOR)
    review(revised, bob, "revise", correction="Call an ambulance.", grades=POOR, minute=1)
    review(revised, lena, "revise", correction="Call 911 now.", grades=GOOD, minute=2)

    rejected = settled(project, "rej-1", verdict="reject", grades=POOR, code="neurology")
    review(rejected, nora, "reject", grades=POOR)

    adjudicated = settled(
        project, "adj-1", verdict="revise", source="adjudication", answer="Adjudicated answer."
    )
    review(adjudicated, alice, "accept")
    review(adjudicated, bob, "revise", correction="Bob's fix.", grades=POOR, minute=1)

    neuro_accepted = settled(
        project,
        "neu-1",
        verdict="accept",
        code="neurology",
        settled_at=SETTLED_AT + dt.timedelta(days=20),
    )
    review(neuro_accepted, nora, "accept")

    gold = settled(project, "gold-1", verdict="accept", is_gold=True, gold_grades=GOOD)
    review(gold, alice, "accept")

    SampleFactory(project=project, external_id="open-1")  # still collecting reviews
    quarantined = settled(project, "quar-1", verdict="accept", quarantined=True)
    review(quarantined, alice, "accept")
    return Curated(
        project=project,
        accepted=accepted,
        revised=revised,
        rejected=rejected,
        adjudicated=adjudicated,
        neuro_accepted=neuro_accepted,
        gold=gold,
        reviewers={"alice": alice, "bob": bob, "lena": lena, "nora": nora},
    )


@pytest.fixture(autouse=True)
def _own_storage(storage_root):
    """Each test writes exports into a folder of its own."""
    return storage_root


def now():
    return timezone.now()
