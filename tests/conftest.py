"""Fixtures named for people, and the real services some tests drive."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import TransactionTestCase

from tests.factories import CohortFactory, PhysicianFactory, ProjectFactory, UserFactory, join

pytest_plugins = ["tests.services"]


def _flush_keeping_what_migrations_made(original):
    """Wrap the flush Django runs after every test that commits data.

    The audit table refuses TRUNCATE through a trigger, as production must: the flush runs with
    triggers off on its one connection. Flushing also empties the standard specialties a data
    migration put in, which every later test expects, so they are put back right after.
    """

    def _fixture_teardown(self):
        from annotators.models import Specialty
        from annotators.specialties import STANDARD_SPECIALTIES

        if connection.connection is not None and not connection.is_usable():
            connection.close()  # a test that restarted PostgreSQL may have broken it
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            original(self)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
            for code, name, board in STANDARD_SPECIALTIES:
                Specialty.objects.get_or_create(code=code, defaults={"name": name, "board": board})

    return _fixture_teardown


TransactionTestCase._fixture_teardown = _flush_keeping_what_migrations_made(
    TransactionTestCase._fixture_teardown
)


@pytest.fixture
def committed(transactional_db):
    """Data the test writes is committed, so other processes (a worker, a server) can read it."""


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


@pytest.fixture
def committed_db(committed):
    """The same as `committed`."""


@pytest.fixture
def storage_root(settings, tmp_path):
    """Files the code under test stores (exports) go to a folder of the test's own."""
    root = tmp_path / "storage"
    root.mkdir()
    settings.STORAGE_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root
