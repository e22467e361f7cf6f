"""`manage.py seed_demo`: the demo data, loaded through the same doors a lab uses.

Idempotent: a second run changes nothing. Every write goes through a service, so the demo
database has the audit trail a real one would.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annotators.models import Physician
from annotators.services import invitation_accept, physician_verify, physicians_import
from core.audit import audit_record
from core.errors import DomainError
from curation.models import Project, Sample
from curation.services.projects import project_load

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
SEEDED_REVIEWS = 24  # samples that get two reviews when no reviews file can be imported


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
        try:
            from curation.services.samples import samples_import
        except ImportError:
            self.stderr.write("Sample import is not available in this build; no samples loaded.")
            return
        path = DEMO_DIR / "samples.jsonl"
        with path.open("rb") as source:
            result = samples_import(
                project=project, source=source, fmt="jsonl", actor=admin, filename=str(path.name)
            )
        self.stdout.write(f"Samples: {getattr(result, 'summary', lambda: result)()}")

    def _reviews(self, project: Project, admin) -> None:
        path = DEMO_DIR / "reviews.jsonl"
        importer = _review_importer()
        if path.is_file() and importer is not None:
            with path.open("rb") as source:
                result = importer(project=project, source=source, actor=admin, filename=path.name)
            self.stdout.write(f"Reviews: {getattr(result, 'summary', lambda: result)()}")
            return
        self._reviews_generated(project, admin)

    def _reviews_generated(self, project: Project, admin) -> None:
        """Two reviews each on the first samples, from physicians of the sample's specialty."""
        try:
            from curation.services.reviews import review_record
        except ImportError:
            self.stderr.write("Review recording is not available in this build; no reviews.")
            return
        by_specialty: dict[int, list] = {}
        for physician in (
            Physician.objects.select_related("user")
            .prefetch_related("specialties")
            .filter(user__username__endswith="@rounds.demo")
            .order_by("user__username")
        ):
            for specialty in physician.specialties.all():
                by_specialty.setdefault(specialty.pk, []).append(physician)
        samples = Sample.objects.filter(project=project).order_by("external_id")
        counts = {"created": 0, "unchanged": 0, "amended": 0}
        for index, sample in enumerate(samples[:SEEDED_REVIEWS]):
            for turn, physician in enumerate(by_specialty.get(sample.specialty_id, [])[:2]):
                _, outcome = review_record(
                    sample=sample,
                    reviewer=physician.user,
                    source="import",
                    external_ref=f"demo-{sample.external_id}-{turn}",
                    actor=admin,
                    **_demo_review(sample, index + turn),
                )
                counts[outcome] += 1
        self.stdout.write(f"Reviews: {counts['created']} created, {counts['unchanged']} unchanged.")

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


def _review_importer():
    """The reviews-file import service, where this build has one."""
    for module, name in (
        ("curation.services.review_import", "reviews_import"),
        ("curation.services.reviews", "reviews_import"),
    ):
        try:
            return getattr(__import__(module, fromlist=[name]), name)
        except (ImportError, AttributeError):
            continue
    return None


def _demo_review(sample: Sample, salt: int) -> dict:
    """A plausible, deterministic review: planted issues are caught, the rest mostly accepted."""
    issue = (sample.metadata or {}).get("planted_issue")
    wobble = int(hashlib.sha256(f"{sample.external_id}{salt}".encode()).hexdigest(), 16) % 3
    grades = {
        "accurate": not issue,
        "complete": 2 + wobble if issue else 3 + wobble,
        "communication": 3 + min(wobble, 2),
        "seeks_context": wobble != 0,
        "urgency": ["routine", "urgent", "emergency"][wobble],
        "red_flags": None if wobble == 2 else bool(not issue),
        "harmful": bool(issue),
        "efficient_reasoning": 3 + min(wobble, 2),
    }
    if issue:
        return {"grades": grades, "verdict": "reject", "rationale": str(issue)}
    return {"grades": grades, "verdict": "accept", "rationale": ""}
