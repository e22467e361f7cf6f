"""`manage.py seed_demo`: a living demo project, loaded through the same doors a lab uses.

Physicians, the project file, samples and historical reviews go in as a lab loads them; the
reviews are dated relative to the day the demo was first seeded (the newest yesterday), so the
throughput charts have two weeks of data. Then the agreement job runs (consensus, samples
settled, disagreements sent to adjudication) and a first export is built, as a lab's Recompute
and Build export buttons do. The demo spans every app, so the command lives in `console`.

Idempotent: a second run changes nothing. Every write goes through a service, so the demo
database has the audit trail a real one would.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from annotators.csv_import import physicians_import
from annotators.models import Physician
from annotators.services import invitation_accept, physician_verify
from core.audit import audit_record
from core.errors import DomainError
from curation.agreement.selectors import latest_report
from curation.agreement.services import agreement_compute
from curation.intake.review_import import reviews_import
from curation.intake.services import samples_import
from curation.models import AgreementReport, Project
from curation.projects.services import project_load
from exports.models import Export
from exports.services import export_build, export_create

DEMO_DIR = Path(settings.BASE_DIR) / "demo"
DEMO_PASSWORD = "rounds-demo-2026"
ADMIN_EMAIL = "admin@rounds.demo"
YEARS = {
    "alice": 18,
    "ben": 9,
    "carla": 6,
    "dan": 14,
    "erin": 4,
    "farid": 21,
    "gwen": 7,
    "hugo": 12,
    "ines": 5,
    "jon": 16,
    "kim": 11,
    "leo": 8,
}


class Command(BaseCommand):
    help = "Load the demo project, physicians, samples and some reviews (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print logins")

    def handle(self, *args, **options) -> None:
        try:
            admin = self._admin()
            self._physicians(admin)
            result = project_load(
                data=(DEMO_DIR / "project.yaml").read_bytes(),
                actor=admin,
                filename="demo/project.yaml",
            )
            self.stdout.write(result.summary())
            self._samples(result.project, admin)
            self._reviews(result.project, admin)
            self._export(result.project, admin)
        except DomainError as exc:
            for detail in exc.details:
                self.stderr.write(str(detail))
            raise CommandError(f"seed_demo stopped: {exc.message}")
        if not options["quiet_logins"]:
            self._print_logins()

    @transaction.atomic
    def _admin(self):
        user = get_user_model().objects.filter(username=ADMIN_EMAIL).first()
        if user is None:
            user = get_user_model().objects.create_superuser(
                username=ADMIN_EMAIL,
                email=ADMIN_EMAIL,
                password=DEMO_PASSWORD,
                first_name="Ada",
                last_name="Admin",
            )
            audit_record(
                actor=None,
                action="user.created",
                obj=user,
                after={"username": ADMIN_EMAIL, "superuser": True},
            )
        return user

    def _physicians(self, admin) -> None:
        result = physicians_import(
            source=DEMO_DIR / "physicians.csv",
            actor=admin,
            filename="demo/physicians.csv",
            invite=False,  # the demo accounts get a known password instead of an e-mail
        )
        self.stdout.write(f"Physicians: {result.summary()}")
        physicians = Physician.objects.select_related("user").filter(
            user__username__endswith="@rounds.demo"
        )
        for physician in physicians:
            if physician.status == Physician.Status.INVITED:
                invitation_accept(
                    physician=physician,
                    password=DEMO_PASSWORD,
                    name=physician.user.get_full_name(),
                    years_in_practice=YEARS.get(physician.user.username.split(".")[0]),
                )
            physician_verify(physician=physician, actor=admin, note="Demo licence")

    def _samples(self, project: Project, admin) -> None:
        path = DEMO_DIR / "samples.jsonl"
        with path.open("rb") as source:
            result = samples_import(
                project=project, source=source, fmt="jsonl", actor=admin, filename=str(path.name)
            )
        self.stdout.write(f"Samples: {result.summary()}")

    def _reviews(self, project: Project, admin) -> None:
        """The historical reviews, in three rounds as they came in, each followed by the agreement
        job (what Recompute on the dashboard runs), so the alpha trend has three reports.

        The reviews are moved in time so the newest is the day before the demo was first seeded;
        the shift is anchored on the admin account's creation, so a later run moves them by the
        same amount, finds them unchanged and computes nothing."""
        path = DEMO_DIR / "reviews.jsonl"
        records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        newest = max(dt.datetime.fromisoformat(r["submitted_at"]) for r in records)
        seeded_on = timezone.localtime(admin.date_joined).date()
        shift = dt.timedelta(days=(seeded_on - newest.date()).days - 1)
        for record in records:
            when = dt.datetime.fromisoformat(record["submitted_at"]) + shift
            record["submitted_at"] = when.isoformat()
        last_review: dict[str, str] = {}
        for record in records:
            sample = record["sample_id"]
            last_review[sample] = max(last_review.get(sample, ""), record["submitted_at"])
        order = sorted(last_review, key=lambda sample: (last_review[sample], sample))
        rounds = [order[: len(order) // 3], order[len(order) // 3 : 2 * len(order) // 3]]
        rounds.append(order[2 * len(order) // 3 :])
        for n, samples in enumerate(rounds, start=1):
            chosen = set(samples)
            text = "".join(json.dumps(r) + "\n" for r in records if r["sample_id"] in chosen)
            result = reviews_import(
                project=project, source=text.encode(), actor=admin, filename=path.name
            )
            self.stdout.write(f"Reviews, round {n}: {result.summary()}")
            self._agreement(project, admin, reviews_created=result.created + result.amended)

    def _agreement(self, project: Project, admin, *, reviews_created: int) -> None:
        report = latest_report(project)
        if report is not None and not reviews_created:
            return
        report = agreement_compute(project=project, actor=admin)
        if report.status != AgreementReport.Status.DONE:
            raise CommandError(f"seed_demo: the agreement job failed: {report.error}")
        self.stdout.write(
            f"Agreement: {report.settled} samples settled, "
            f"{report.sent_to_adjudication} sent to adjudication."
        )

    def _export(self, project: Project, admin) -> None:
        """A first SFT export of the settled samples, built as the worker builds it."""
        if Export.objects.filter(project=project).exists():
            return
        export = export_create(actor=admin, project=project, format="sft", enqueue=False)
        export = export_build(export_id=export.pk)
        if export.status != Export.Status.DONE:
            raise CommandError(f"seed_demo: the demo export failed: {export.error}")
        self.stdout.write(f"Export: v{export.version} sft, {export.row_count} rows.")

    def _print_logins(self) -> None:
        rows = [("admin", ADMIN_EMAIL)] + [
            (
                ", ".join(s.code for s in p.specialties.all()),
                p.user.username,
            )
            for p in Physician.objects.select_related("user")
            .prefetch_related("specialties")
            .filter(user__username__endswith="@rounds.demo")
            .order_by("user__username")
        ]
        self.stdout.write(f"\nDemo logins (password for everyone: {DEMO_PASSWORD}):")
        for role, email in rows:
            self.stdout.write(f"  {email:<28} {role}")
