"""Fault tests commit their data: a worker subprocess or a web server subprocess reads it."""

from __future__ import annotations

import pytest

from tests.faults.broker import private_broker  # noqa: F401


@pytest.fixture
def audit_triggers_back(django_db_blocker):
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")


@pytest.fixture
def committed(audit_triggers_back, transactional_db):
    """transactional_db whose closing flush may empty the append-only audit table (triggers are
    off for that flush only, and back on right after). The standard specialties, which the flush
    removes, are put back first."""
    from django.db import connection

    from annotators.models import Specialty
    from annotators.specialties import STANDARD_SPECIALTIES

    for code, name, board in STANDARD_SPECIALTIES:
        Specialty.objects.get_or_create(code=code, defaults={"name": name, "board": board})
    yield
    connection.close()  # a test that restarted PostgreSQL may have left it broken
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
