"""`manage.py labelstudio_push --project SLUG --url URL --token TOKEN`."""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from curation.labelstudio.services import labelstudio_push
from curation.models import Project


def project_and_actor(slug: str, actor: str | None):
    project = Project.objects.select_related("rubric").filter(slug=slug).first()
    if project is None:
        raise CommandError(f"--project: no project {slug!r}")
    user = None
    if actor:
        user = get_user_model().objects.filter(username=actor).first()
        if user is None:
            raise CommandError(f"--actor: no user {actor!r}")
    return project, user


def fail(command: BaseCommand, exc: DomainError) -> CommandError:
    for detail in exc.details:
        command.stderr.write(str(detail))
    return CommandError(exc.message)


class Command(BaseCommand):
    help = (
        "Create or update the Label Studio project of a Rounds project and import the samples it "
        "does not hold yet. URL and token are stored (the token encrypted) for later pulls."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--project", required=True, help="Slug of the Rounds project")
        parser.add_argument("--url", help="Label Studio base URL (defaults to the stored one)")
        parser.add_argument("--token", help="Label Studio API token (defaults to the stored one)")
        parser.add_argument("--batch-size", type=int, help="Tasks per import request")
        parser.add_argument("--actor", help="E-mail of the user recorded in the audit log")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the report as JSON"
        )

    def handle(
        self,
        *args,
        project: str,
        url=None,
        token=None,
        batch_size=None,
        actor=None,
        as_json: bool = False,
        **options,
    ):
        target, user = project_and_actor(project, actor)
        try:
            report = labelstudio_push(
                project=target, url=url, token=token, actor=user, batch_size=batch_size
            )
        except DomainError as exc:
            raise fail(self, exc)
        if as_json:
            self.stdout.write(_json(report.as_dict()))
            return
        self.stdout.write(
            f"Label Studio project {report.ls_project_id}"
            f"{' (created)' if report.project_created else ''}: pushed {report.pushed} samples, "
            f"{report.already_there} already there, {report.adopted} adopted, "
            f"{report.skipped_quarantined} quarantined left out."
        )


def _json(data) -> str:
    return json.dumps(data, indent=2, default=str)
