"""Create or re-grant the role the application connects as (see core.dbroles).

    python manage.py db_app_role rounds_app --password-env APP_DB_PASSWORD

Runs on this process's DATABASE_URL, which must be the tables' owner (or MIGRATE_DATABASE_URL
when that is set). `migrate` does the same for the role of DATABASE_URL on its own.
"""

from __future__ import annotations

import contextlib
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction

from core.dbroles import app_role_grant, connected_as, owned_by


class Command(BaseCommand):
    help = "Create (if missing) and grant the app's database role: row rights, owns nothing."

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role the app connects as, e.g. rounds_app")
        parser.add_argument("--password-env", help="environment variable holding its password")
        parser.add_argument("--database", default="default")

    def handle(self, *args, role: str, password_env: str | None, database: str, **options):
        password = os.environ.get(password_env, "") if password_env else None
        if password_env and not password:
            raise CommandError(f"{password_env} is empty")
        owner_url = getattr(settings, "MIGRATE_DATABASE_URL", "")
        switch = connected_as(database, owner_url) if owner_url else contextlib.nullcontext()
        try:
            with (
                switch,
                transaction.atomic(using=database),
                connections[database].cursor() as cursor,
            ):
                app_role_grant(cursor, role=role, password=password)
                owned = owned_by(cursor, role=role)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if owned:
            raise CommandError(f"{role} owns {owned} relations; reassign them to the owner")
        self.stdout.write(f"{role}: row rights granted; audit table insert and select only.")
