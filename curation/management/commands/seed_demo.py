"""`manage.py seed_demo`: the demo data, loaded through the same doors a lab uses.

Idempotent: a second run changes nothing. Every write goes through a service, so the demo
database has the audit trail a real one would.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annotators.csv_import import physicians_import
from annotators.models import Physician
from annotators.services import invitation_accept, physician_verify
from core.audit import audit_record
from core.errors import DomainError
from curation.intake.review_import import reviews_import
from curation.intake.services import samples_import
from curation.models import Project
from curation.projects.services import project_load

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
        path = DEMO_DIR / "reviews.jsonl"
        with path.open("rb") as source:
            result = reviews_import(project=project, source=source, actor=admin, filename=path.name)
        self.stdout.write(f"Reviews: {result.summary()}")

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
