"""`manage.py register_model_grader NAME@VERSION`: a model grader, without licence or invitation."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from curation.criteria.services import model_grader_parse, model_grader_register


class Command(BaseCommand):
    help = "Register a model grader by name and version (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("grader", help="name@version, e.g. judge@2025-05-01")
        parser.add_argument("--description", default="")

    def handle(self, *args, grader: str, description: str, **options) -> None:
        try:
            name, version = model_grader_parse(grader)
            found = model_grader_register(
                name=name, version=version, description=description, actor=None
            )
        except DomainError as exc:
            raise CommandError(exc.message)
        self.stdout.write(f"model grader {found} (id {found.pk})")
