"""The database role the application runs as: row rights on its tables, nothing it owns.

Whoever owns a table can switch its triggers off, so the append-only trigger of the audit table
only binds a role that does not own it. Migrations run as the owner (MIGRATE_DATABASE_URL); the
web server, the workers and beat connect as the app role (DATABASE_URL), which may:

- SELECT, INSERT, UPDATE, DELETE on every table of the schema, except
- on the audit table (core_auditevent) only SELECT and INSERT;
- use the sequences; make temporary tables (the agreement job's staging table).

It may not TRUNCATE, ALTER, DROP or create anything, and as it is no superuser it cannot set
`session_replication_role`. Default privileges give the same rights on tables the owner creates
later; the grant is also re-applied after every `migrate`, so it is never behind the schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from psycopg import sql

AUDIT_TABLES = ("core_auditevent",)
ROW_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"


def _statements(role: str, password: str | None, database: str, schema: str) -> list:
    name = sql.Identifier(role)
    db = sql.Identifier(database)
    ns = sql.Identifier(schema)
    out = [
        sql.SQL(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {literal}) THEN "
            "CREATE ROLE {name} LOGIN; END IF; END $$"
        ).format(literal=sql.Literal(role), name=name),
        sql.SQL(
            "ALTER ROLE {name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        ).format(name=name),
    ]
    if password:
        out.append(
            sql.SQL("ALTER ROLE {name} PASSWORD {pw}").format(name=name, pw=sql.Literal(password))
        )
    out += [
        sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {name}").format(db=db, name=name),
        sql.SQL("REVOKE CREATE ON SCHEMA {ns} FROM {name}").format(ns=ns, name=name),
        sql.SQL("GRANT USAGE ON SCHEMA {ns} TO {name}").format(ns=ns, name=name),
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {ns} FROM {name}").format(ns=ns, name=name),
        sql.SQL("GRANT " + ROW_RIGHTS + " ON ALL TABLES IN SCHEMA {ns} TO {name}").format(
            ns=ns, name=name
        ),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {ns} TO {name}").format(
            ns=ns, name=name
        ),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {ns} GRANT " + ROW_RIGHTS + " ON TABLES TO {name}"
        ).format(ns=ns, name=name),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {ns} GRANT USAGE, SELECT ON SEQUENCES TO {name}"
        ).format(ns=ns, name=name),
    ]
    for table in AUDIT_TABLES:
        target = sql.Identifier(schema, table)
        out += [
            sql.SQL("REVOKE ALL ON {t} FROM {name}").format(t=target, name=name),
            sql.SQL("GRANT SELECT, INSERT ON {t} TO {name}").format(t=target, name=name),
        ]
    return out


def app_role_grant(cursor, *, role: str, password: str | None = None, schema: str = "public"):
    """Create (if missing) and grant the app role; run as the owner of the tables. Idempotent.

    `cursor` is a DB-API cursor on the owner's connection (Django's or psycopg's). Creating the
    role needs CREATEROLE; a role a DBA made beforehand is only granted.
    """
    if not role or role == _current_user(cursor):
        raise ValueError("the app role must be a role other than the owner running the grant")
    cursor.execute("SELECT current_database()")
    database = cursor.fetchone()[0]
    raw = getattr(cursor, "connection", None)
    for statement in _statements(role, password, database, schema):
        cursor.execute(statement.as_string(_psycopg(raw)))


def _current_user(cursor) -> str:
    cursor.execute("SELECT current_user")
    return cursor.fetchone()[0]


def _psycopg(connection):
    """The psycopg connection under a Django one (for quoting), or the connection itself."""
    inner = getattr(connection, "connection", None)
    return inner if inner is not None else connection


def owned_by(cursor, *, role: str) -> int:
    """How many relations `role` owns: zero for a proper app role."""
    cursor.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
        "WHERE r.rolname = %s",
        [role],
    )
    return cursor.fetchone()[0]


@contextmanager
def connected_as(alias: str, url: str) -> Iterator[dict]:
    """Connection `alias` reconnects with the credentials of `url` (same database) meanwhile.

    Yields the settings it had before (the app role's user and password).
    """
    import dj_database_url
    from django.db import connections

    conn = connections[alias]
    owner = dj_database_url.parse(url)
    if owner["NAME"] != conn.settings_dict["NAME"]:
        raise ValueError(
            f"MIGRATE_DATABASE_URL names database {owner['NAME']!r}, "
            f"DATABASE_URL {conn.settings_dict['NAME']!r}: they must be the same database"
        )
    keys = ("USER", "PASSWORD", "HOST", "PORT")
    before = {key: conn.settings_dict.get(key) for key in keys}
    conn.close()
    conn.settings_dict.update({key: owner.get(key) for key in keys})
    try:
        yield before
    finally:
        conn.close()
        conn.settings_dict.update(before)
