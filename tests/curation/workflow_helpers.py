"""Helpers shared by the reviewer-workflow tests (grades that pass the default rubric, etc.)."""

from __future__ import annotations

import pytest
from django.db import connection

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


def _standard_specialties() -> None:
    from annotators.models import Specialty
    from annotators.specialties import STANDARD_SPECIALTIES

    for code, name, board in STANDARD_SPECIALTIES:
        Specialty.objects.get_or_create(code=code, defaults={"name": name, "board": board})


@pytest.fixture
def restore_audit_triggers(django_db_blocker):
    yield
    # Runs after the flush: triggers back on, and the rows a fresh database has (the standard
    # specialties of the data migration) back in place for the tests that follow.
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
        _standard_specialties()


@pytest.fixture
def committed_db(restore_audit_triggers, transactional_db):
    """transactional_db whose closing flush may empty the append-only audit table.

    The audit table refuses TRUNCATE through a trigger; the flush after a transactional test
    runs with triggers off for that one statement, and they are back on right after.
    """
    _standard_specialties()  # an earlier transactional test's flush may have removed them
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
