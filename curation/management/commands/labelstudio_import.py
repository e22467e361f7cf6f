"""`manage.py labelstudio_import FILE --project SLUG`: a Label Studio JSON export, offline."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from curation.labelstudio.config import EXTERNAL_ID_KEY
from curation.labelstudio.offline import annotators_read, export_read
from curation.labelstudio.services import labelstudio_import

from .labelstudio_pull import report_write
from .labelstudio_push import fail, project_and_actor


class Command(BaseCommand):
    help = (
        "Import the annotations of a Label Studio JSON export (tasks with annotations) as "
        "reviews, through the same mapping as labelstudio_pull. Re-running changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="Label Studio JSON export")
        parser.add_argument("--project", required=True, help="Slug of the Rounds project")
        parser.add_argument(
            "--annotators",
            help='JSON file mapping Label Studio user ids to e-mails ({"1": "a@b"} or the '
            "/api/users/ list); needed when the export's completed_by holds bare ids",
        )
        parser.add_argument(
            "--annotator",
            action="append",
            default=[],
            metavar="ID=EMAIL",
            help="One Label Studio user id and its e-mail (repeatable)",
        )
        parser.add_argument(
            "--id-field",
            default=EXTERNAL_ID_KEY,
            help="Task data key holding the sample's external id, for tasks Rounds did not push "
            f"(default {EXTERNAL_ID_KEY})",
        )
        parser.add_argument("--actor", help="E-mail of the user recorded in the audit log")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the report as JSON"
        )

    def handle(
        self,
        *args,
        file: str,
        project: str,
        annotators=None,
        annotator=(),
        id_field=EXTERNAL_ID_KEY,
        actor=None,
        as_json=False,
        **options,
    ):
        target, user = project_and_actor(project, actor)
        if not Path(file).is_file():
            raise CommandError(f"{file}: no such file")
        try:
            emails = annotators_read(annotators) if annotators else {}
            for pair in annotator:
                key, _, email = pair.partition("=")
                if not key.strip().isdigit() or "@" not in email:
                    raise CommandError(f"--annotator {pair!r}: expected ID=EMAIL")
                emails[int(key)] = email.strip()
            annotations = export_read(file, emails=emails, id_field=id_field)
            report = labelstudio_import(
                project=target, annotations=annotations, actor=user, file_name=Path(file).name
            )
        except DomainError as exc:
            raise fail(self, exc)
        report_write(self, report, as_json=as_json)
