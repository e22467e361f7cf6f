"""Publish the jobs that could not be queued while the broker was down."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from core.outbox import outbox_flush


class Command(BaseCommand):
    help = (
        "Publish every pending outbox message to the Celery broker (beat does this every 30 s). "
        "Exits with status 1 when the broker is still unreachable."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="Include messages younger than the grace period (their commit hook may still be "
            "publishing them; publishing twice is harmless).",
        )

    def handle(self, *args, **options):
        result = outbox_flush(grace=dt.timedelta(0)) if options["all"] else outbox_flush()
        self.stdout.write(
            f"published {result['published']}, pending {result['pending']}, "
            f"pruned {result['pruned']}"
        )
        if result["broker_down"]:
            raise CommandError(
                f"the broker refused; {result['pending']} message(s) stay pending "
                "(each row's last_error says why)"
            )
