"""The application's database role can write the app's tables but cannot touch the audit trail.

The role that owns the tables could switch the append-only trigger off (`ALTER TABLE ... DISABLE
TRIGGER`, `SET session_replication_role = replica`); the app connects as a role that owns
nothing, with row rights only, and on the audit table INSERT and SELECT alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from core.audit import audit_record
from core.dbroles import app_role_grant
from core.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "app-role-test-password"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_role():
    """A login role for this test database only (roles are cluster-wide), granted as deployed."""
    name = f"{connection.settings_dict['NAME']}_app"[:63]
    with connection.cursor() as cursor:
        app_role_grant(cursor, role=name, password=PASSWORD)
    return name


def connect_as(role: str) -> psycopg.Connection:
    params = connection.settings_dict
    return psycopg.connect(
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        dbname=params["NAME"],
        user=role,
        password=PASSWORD,
        autocommit=True,
    )


def refused(conn: psycopg.Connection, sql: str, params=()) -> str:
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as caught:
        conn.execute(sql, params)
    return str(caught.value)


def test_the_app_role_cannot_tamper_with_the_audit_trail(app_role, admin):
    event = audit_record(actor=admin, action="project.create", object_type="x", object_id=1)
    with connect_as(app_role) as conn:
        # What the app does: write and read the trail, work on its other tables.
        conn.execute(
            "INSERT INTO core_auditevent (actor_label, action, object_type, object_id,"
            " object_repr, created_at) VALUES ('app', 'test.insert', 'x', '2', '', now())"
        )
        assert conn.execute("SELECT count(*) FROM core_auditevent").fetchone()[0] == 2
        conn.execute("UPDATE auth_user SET first_name = 'Ada' WHERE id = %s", [admin.pk])

        assert "permission denied" in refused(
            conn, "UPDATE core_auditevent SET action = 'tampered' WHERE id = %s", [event.pk]
        )
        assert "permission denied" in refused(
            conn, "DELETE FROM core_auditevent WHERE id = %s", [event.pk]
        )
        assert "permission denied" in refused(conn, "TRUNCATE core_auditevent")
        assert "must be owner" in refused(
            conn, "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_update_delete"
        )
        assert "must be owner" in refused(conn, "ALTER TABLE core_auditevent DISABLE TRIGGER ALL")
        assert "session_replication_role" in refused(conn, "SET session_replication_role = replica")
        assert "must be owner" in refused(
            conn, "DROP TRIGGER core_auditevent_no_truncate ON core_auditevent"
        )
        owned = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner"
            " WHERE r.rolname = current_user"
        ).fetchone()[0]
        assert owned == 0
    assert AuditEvent.objects.get(pk=event.pk).action == "project.create"
    assert get_user_model().objects.get(pk=admin.pk).first_name == "Ada"


def test_granting_twice_is_harmless_and_reaches_tables_made_later(app_role):
    with connection.cursor() as cursor:
        app_role_grant(cursor, role=app_role, password=PASSWORD)
        cursor.execute("CREATE TABLE core_later_test (id serial PRIMARY KEY, note text)")
    try:
        with connect_as(app_role) as conn:
            conn.execute("INSERT INTO core_later_test (note) VALUES ('made after the grant')")
            assert conn.execute("SELECT note FROM core_later_test").fetchone()[0]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE core_later_test")


def test_migrate_runs_as_the_owner_and_grants_the_role_of_database_url():
    """The deploy's own path: DATABASE_URL is an app role that does not exist yet."""
    params = connection.settings_dict
    host, port, name = params["HOST"] or "127.0.0.1", params["PORT"] or 5432, params["NAME"]
    role = f"{name}_deploy"[:63]
    owner = params["USER"]
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"postgres://{role}:{PASSWORD}@{host}:{port}/{name}",
        MIGRATE_DATABASE_URL=f"postgres://{owner}@{host}:{port}/{name}",
    )
    try:
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr
        assert f"Granted row rights to the app role '{role}'" in result.stdout
        with connect_as(role) as conn:
            conn.execute("SELECT count(*) FROM core_auditevent")
            assert "permission denied" in refused(conn, "DELETE FROM core_auditevent")
            assert "must be owner" in refused(
                conn, "ALTER TABLE core_auditevent DISABLE TRIGGER ALL"
            )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"; DROP ROLE IF EXISTS "{role}"')


def test_migrate_refuses_an_owner_url_for_another_database(settings):
    settings.MIGRATE_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/some_other_database"
    with pytest.raises(CommandError, match="must be the same database"):
        call_command("migrate", verbosity=0)


def test_the_db_app_role_command_grants_and_refuses_the_owner_itself(app_role):
    from io import StringIO

    out = StringIO()
    call_command("db_app_role", app_role, stdout=out)
    assert "row rights granted" in out.getvalue()
    with pytest.raises(CommandError, match="other than the owner"):
        call_command("db_app_role", connection.settings_dict["USER"])
