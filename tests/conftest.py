"""Fixtures named for people, and the real services some tests drive."""

from __future__ import annotations

import pytest

from tests.factories import CohortFactory, PhysicianFactory, ProjectFactory, UserFactory, join

pytest_plugins = ["tests.services"]


@pytest.fixture
def admin(db):
    return UserFactory(username="admin@rounds.test", is_staff=True, is_superuser=True)


@pytest.fixture
def cohort(db):
    return CohortFactory(slug="cardio-panel", name="Cardiology panel")


@pytest.fixture
def cardiologist(db, cohort):
    physician = PhysicianFactory(
        user__username="alice@rounds.test", user__first_name="Alice", specialties=["cardiology"]
    )
    join(cohort, physician)
    return physician


@pytest.fixture
def second_cardiologist(db, cohort):
    physician = PhysicianFactory(
        user__username="bob@rounds.test", user__first_name="Bob", specialties=["cardiology"]
    )
    join(cohort, physician)
    return physician


@pytest.fixture
def lead(db, cohort):
    physician = PhysicianFactory(
        user__username="lena@rounds.test", user__first_name="Lena", specialties=["cardiology"]
    )
    join(cohort, physician, role="lead")
    return physician


@pytest.fixture
def neurologist(db, cohort):
    physician = PhysicianFactory(
        user__username="nora@rounds.test", user__first_name="Nora", specialties=["neurology"]
    )
    join(cohort, physician)
    return physician


@pytest.fixture
def outsider(db):
    """A verified physician in no cohort: sees nothing."""
    return PhysicianFactory(user__username="charlie@rounds.test", specialties=["cardiology"])


@pytest.fixture
def project(db, cohort):
    return ProjectFactory(slug="chest-pain", name="Chest pain triage", cohorts=[cohort])
