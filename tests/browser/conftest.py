"""Browser tests commit their data (the live server reads it from another connection)."""

from __future__ import annotations

import pytest
from django.db import connection

from annotators.models import Specialty
from annotators.specialties import STANDARD_SPECIALTIES


@pytest.fixture
def committed(transactional_db):
    """transactional_db that survives its own closing flush.

    The flush after a transactional test empties every table, the standard specialties (put there
    by a data migration) included, so they are put back first. The audit table refuses TRUNCATE
    through a trigger: this teardown runs just before the flush and switches triggers off for
    this connection only; Django closes the connection right after the flush, so the next test
    starts with the trigger in force again.
    """
    for code, name, board in STANDARD_SPECIALTIES:
        Specialty.objects.get_or_create(code=code, defaults={"name": name, "board": board})
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
