"""`python manage.py import_samples PATH --project SLUG [--format F] [--update]`."""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from core.ingest import progress_bar
from curation.criteria.healthbench import healthbench_import
from curation.intake.formats import FORMATS
from curation.intake.services import samples_import
from curation.models import Project


class Command(BaseCommand):
    help = (
        "Import samples into a project from JSONL, a JSON array, CSV, a Label Studio export or "
        "chat JSONL. Nothing is written unless the whole file is valid; exit status 1 lists the "
        "errors as file:line field: message."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="The file to import ('-' reads standard input).")
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument(
            "--format",
            choices=[*FORMATS, "healthbench"],
            default=None,
            help="Detected from the file if omitted; healthbench: HealthBench's example lines "
            "(samples with validated criteria).",
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help="Replace samples whose id exists with different content (audited).",
        )
        parser.add_argument(
            "--actor", default=None, help="E-mail or username recorded in the audit log."
        )

    def handle(
        self,
        *args,
        path: str,
        project: str,
        format: str | None,
        update: bool,
        actor: str | None,
        **options,
    ) -> None:
        try:
            target = Project.objects.get(slug=project)
        except Project.DoesNotExist:
            raise CommandError(f"no project with the slug {project!r}")
        user = None
        if actor:
            user = get_user_model().objects.filter(username=actor).first() or (
                get_user_model().objects.filter(email=actor).first()
            )
            if user is None:
                raise CommandError(f"no user {actor!r} (--actor)")
        if path == "-":
            source, name, size = sys.stdin.buffer, "<stdin>", None
        else:
            file = Path(path)
            if not file.is_file():
                raise CommandError(f"{path}: no such file")
            source, name, size = str(file), str(file), file.stat().st_size
        if format == "healthbench":
            try:
                outcome = healthbench_import(
                    project=target, source=source, actor=user, filename=name
                )
            except DomainError as exc:
                for detail in exc.details:
                    self.stderr.write(str(detail))
                raise CommandError("import failed; nothing was written", returncode=1)
            self.stdout.write(f"{name}: {outcome.summary()}")
            return
        bar = progress_bar(total=size, desc=f"importing {Path(name).name}")
        try:
            result = samples_import(
                project=target,
                source=source,
                fmt=format,
                update=update,
                actor=user,
                filename=name,
                progress=bar,
            )
        except DomainError as exc:
            bar.close()
            for detail in exc.details:
                self.stderr.write(str(detail))
            if len(exc.details) > 1:
                self.stderr.write(exc.message)
            raise CommandError("import failed; nothing was written", returncode=1)
        bar.close()
        self.stdout.write(f"{name}: {result.summary()}")
        for external_id in result.conflicts[:50]:
            self.stderr.write(f"conflict: {external_id} exists with different content")
        if result.conflicts_total > 50:
            self.stderr.write(f"... and {result.conflicts_total - 50} more conflicts")
