"""`python manage.py compute_agreement --project SLUG [--json]`: run the agreement job now."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from curation.agreement.services import agreement_compute
from curation.agreement.stats.consensus import METHODS
from curation.models import Project


class Command(BaseCommand):
    help = "Compute a project's agreement report and consensus, and settle what is agreed."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument("--method", choices=METHODS, help="Consensus for categories.")

    def handle(self, *args, project: str, json: bool = False, method=None, **options) -> None:
        found = Project.objects.filter(slug=project).first()
        if found is None:
            raise CommandError(f"No project with slug {project!r}.")
        try:
            report = agreement_compute(project=found, method=method)
        except DomainError as exc:
            raise CommandError(str(exc))
        if json:
            self.stdout.write(_dumps(report))
            return
        self.stdout.write(
            f"Report {report.pk} for {found.slug}: {report.inputs['reviews']} physician reviews "
            f"of {report.inputs['samples']} samples in {report.duration_ms} ms; "
            f"{report.settled} settled, {report.sent_to_adjudication} sent to adjudication."
        )
        for criterion in [*report.figures["criteria"], report.figures["verdict"]]:
            overall = criterion["overall"]
            alpha = overall["alpha"]
            shown = "n/a" if alpha is None else f"{alpha:.3f}"
            interval = (
                f" [{overall['ci_low']:.3f}, {overall['ci_high']:.3f}]"
                if overall["ci_low"] is not None
                else ""
            )
            self.stdout.write(
                f"  {criterion['key']:<24} alpha ({criterion['level']}) {shown}{interval} "
                f"over {overall['n_items']} samples"
            )


def _dumps(report) -> str:
    return json.dumps(
        {
            "id": report.pk,
            "project": report.project.slug,
            "status": report.status,
            "created_at": report.created_at.isoformat(),
            "duration_ms": report.duration_ms,
            "inputs": report.inputs,
            "settled": report.settled,
            "sent_to_adjudication": report.sent_to_adjudication,
            "figures": report.figures,
            "physicians": report.physicians,
            "model_graders": report.model_graders,
        },
        indent=2,
        default=str,
    )
