"""`manage.py labelstudio_pull --project SLUG [--url URL --token TOKEN]`."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from core.errors import DomainError
from curation.labelstudio.services import PullReport, labelstudio_pull

from .labelstudio_push import fail, project_and_actor


def report_write(command: BaseCommand, report: PullReport, *, as_json: bool) -> None:
    if as_json:
        command.stdout.write(json.dumps(report.as_dict(), indent=2, default=str))
        return
    command.stdout.write(
        f"{report.created} created, {report.amended} amended, {report.unchanged} unchanged, "
        f"{report.skipped} skipped in Label Studio, {len(report.rejected)} rejected, "
        f"{sum(u['annotations'] for u in report.unknown_annotators)} by unknown annotators."
    )
    for row in report.rejected:
        command.stderr.write(
            f"rejected: task {row['task']} (sample {row.get('sample')}), annotation "
            f"{row['annotation']} by {row['annotator']}: {row['reason']}"
        )
    for row in report.unknown_annotators:
        command.stderr.write(
            f"unknown annotator: {row['annotator']} ({row['annotations']} annotations): no "
            "physician in Rounds has this e-mail"
        )


class Command(BaseCommand):
    help = (
        "Read the annotations of the linked Label Studio project and record each as a review by "
        "the physician with the annotator's e-mail. Re-running changes nothing; edits arrive as "
        "amendments."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--project", required=True, help="Slug of the Rounds project")
        parser.add_argument("--url", help="Label Studio base URL (defaults to the stored one)")
        parser.add_argument("--token", help="Label Studio API token (defaults to the stored one)")
        parser.add_argument("--actor", help="E-mail of the user recorded in the audit log")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the report as JSON"
        )

    def handle(
        self, *args, project: str, url=None, token=None, actor=None, as_json=False, **options
    ):
        target, user = project_and_actor(project, actor)
        try:
            report = labelstudio_pull(project=target, url=url, token=token, actor=user)
        except DomainError as exc:
            raise fail(self, exc)
        report_write(self, report, as_json=as_json)
