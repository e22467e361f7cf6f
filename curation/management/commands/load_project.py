"""`manage.py load_project FILE`: create or update a project and its rubric from YAML or JSON."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from curation.projects.services import project_load


def actor_for(email: str | None):
    """The user a command acts as (for the audit log); None means the system."""
    if not email:
        return None
    user = get_user_model().objects.filter(username=email).first()
    if user is None:
        raise CommandError(f"--actor: no user {email!r}")
    return user


class Command(BaseCommand):
    help = "Create or update a project and its rubric from a YAML or JSON project file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="Project file (.yaml, .yml or .json)")
        parser.add_argument("--actor", help="E-mail of the user recorded in the audit log")

    def handle(self, *args, file: str, actor: str | None = None, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            result = project_load(
                data=path.read_bytes(), actor=actor_for(actor), filename=str(path)
            )
        except DomainError as exc:
            for detail in exc.details:
                self.stderr.write(str(detail))
            raise CommandError(f"{len(exc.details)} error(s); nothing was written.")
        self.stdout.write(result.summary())
