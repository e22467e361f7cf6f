"""`manage.py import_reviews FILE --project SLUG`: historical reviews, validated like any review."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from core.ingest import progress_bar
from curation.intake.review_import import reviews_import
from curation.models import Project


class Command(BaseCommand):
    help = (
        "Import reviews a lab already has (JSONL: sample_id, physician e-mail, grades, verdict, "
        "correction, rationale, submitted_at). All or nothing; re-running changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="Reviews file (.jsonl, or a .json array)")
        parser.add_argument("--project", required=True, help="Slug of the project")
        parser.add_argument("--actor", help="E-mail of the user recorded in the audit log")

    def handle(self, *args, file: str, project: str, actor: str | None = None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        target = Project.objects.filter(slug=project).first()
        if target is None:
            raise CommandError(f"--project: no project {project!r}")
        user = None
        if actor:
            user = get_user_model().objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f"--actor: no user {actor!r}")
        bar = progress_bar(total=path.stat().st_size, desc=path.name, stream=self.stderr._out)
        try:
            with bar:
                result = reviews_import(
                    project=target,
                    source=path,
                    actor=user,
                    filename=str(path),
                    progress=bar.update,
                )
        except DomainError as exc:
            for detail in exc.details:
                self.stderr.write(str(detail))
            raise CommandError(exc.message)
        self.stdout.write(result.summary())
