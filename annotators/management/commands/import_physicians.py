"""`manage.py import_physicians FILE`: create or update physicians from a CSV and invite them."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotators.csv_import import CSV_COLUMNS, physicians_import
from core.errors import DomainError
from core.ingest import progress_bar


class Command(BaseCommand):
    help = (
        "Create or update physicians from a CSV with the header "
        + ",".join(CSV_COLUMNS)
        + ". New accounts get an invitation e-mail with a one-time set-password link."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="CSV file")
        parser.add_argument(
            "--resend", action="store_true", help="Send the invitation again to pending invitees"
        )
        parser.add_argument(
            "--no-invite", action="store_true", help="Create the accounts without e-mailing anyone"
        )
        parser.add_argument("--actor", help="E-mail of the user recorded in the audit log")

    def handle(self, *args, file: str, resend: bool = False, actor: str | None = None, **options):
        invite = not options.get("no_invite", False)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        user = None
        if actor:
            user = get_user_model().objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f"--actor: no user {actor!r}")
        with progress_bar(total=path.stat().st_size, desc=path.name) as bar:
            try:
                result = physicians_import(
                    source=path,
                    actor=user,
                    filename=str(path),
                    resend=resend,
                    invite=invite,
                    progress=bar.update,
                )
            except DomainError as exc:
                bar.close()
                for detail in exc.details:
                    self.stderr.write(str(detail))
                raise CommandError(f"{exc.message}")
        self.stdout.write(f"Physicians: {result.summary()}")
