"""`manage.py register_model_grader NAME@VERSION`: a model grader, without licence or invitation."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from curation.criteria.services import model_grader_parse, model_grader_register
from curation.criteria.tokens import grader_token_create
from curation.models import Project


class Command(BaseCommand):
    help = "Register a model grader by name and version (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("grader", help="name@version, e.g. judge@2025-05-01")
        parser.add_argument("--description", default="")
        parser.add_argument(
            "--token-for",
            nargs="+",
            metavar="SLUG",
            help="Also create a token to post grades to these projects (the key is shown once).",
        )

    def handle(
        self, *args, grader: str, description: str, token_for: list[str] | None, **options
    ) -> None:
        try:
            name, version = model_grader_parse(grader)
            found = model_grader_register(
                name=name, version=version, description=description, actor=None
            )
        except DomainError as exc:
            raise CommandError(exc.message)
        self.stdout.write(f"model grader {found} (id {found.pk})")
        if token_for:
            projects = list(Project.objects.filter(slug__in=token_for))
            missing = sorted(set(token_for) - {p.slug for p in projects})
            if missing:
                raise CommandError(f"--token-for: no project {', '.join(missing)}")
            _, key = grader_token_create(grader=found, projects=projects, actor=None)
            self.stdout.write(f"token (shown once): {key}")
