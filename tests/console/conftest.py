"""People and helpers of the admin console tests."""

from __future__ import annotations

import pytest

from curation.models import Assignment, Review
from curation.reviewing.assignment import assignment_next
from curation.reviewing.reviews import review_submit
from tests.factories import ProjectFactory, UserFactory

GRADES = {"accurate": True, "completeness": 4, "urgency": "emergent", "advises_er": None}


@pytest.fixture
def project_admin(db, project):
    """Runs the chest-pain project, and nothing else; not staff, not a physician."""
    user = UserFactory(username="pat@rounds.test", first_name="Pat", last_name="Admin")
    project.admins.add(user)
    return user


@pytest.fixture
def other_project(db, cohort):
    return ProjectFactory(slug="sepsis", name="Sepsis screening", cohorts=[cohort])


def lease(physician, project) -> Assignment:
    return assignment_next(user=physician.user, project=project).assignment


def review(physician, project, *, time_ms: int | None = 60_000, **kwargs) -> Review:
    """Lease the next sample of the project and submit a review of it."""
    return review_submit(
        assignment_id=lease(physician, project).pk,
        user=physician.user,
        grades=GRADES,
        verdict="accept",
        time_on_task_ms=time_ms,
        **kwargs,
    ).review
