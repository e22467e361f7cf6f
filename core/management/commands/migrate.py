"""`migrate`, run as the owner of the tables when MIGRATE_DATABASE_URL is set.

The app's own connection (DATABASE_URL) is a role that owns nothing. With MIGRATE_DATABASE_URL
set, the migrations run as the owner, and then the role of DATABASE_URL is created if missing and
granted its row rights on every table, the new ones included (core.dbroles).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import migrate
from django.db import connections, transaction

from core.dbroles import app_role_grant, connected_as


class Command(migrate.Command):
    help = migrate.Command.help + " As the owner in MIGRATE_DATABASE_URL when it is set."

    def handle(self, *args, **options):
        owner_url = getattr(settings, "MIGRATE_DATABASE_URL", "")
        alias = options["database"]
        if not owner_url or connections[alias].vendor != "postgresql":
            return super().handle(*args, **options)
        try:
            with connected_as(alias, owner_url) as app:
                super().handle(*args, **options)
                with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                    app_role_grant(cursor, role=app["USER"], password=app["PASSWORD"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"]:
            self.stdout.write(f"Granted row rights to the app role {app['USER']!r}.")
