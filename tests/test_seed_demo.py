"""seed_demo: the demo data through the real doors, and a second run changes nothing."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command

from annotators.models import Cohort, CohortMembership, Physician
from core.models import AuditEvent
from curation.models import Project, Review, Sample
from curation.reviewing.eligibility import may_review

DEMO = Path(__file__).resolve().parent.parent / "demo"
PASSWORD = "rounds-demo-2026"
EMAILS = [
    "alice.cardio",
    "ben.cardio",
    "carla.cardio",
    "dan.neuro",
    "erin.neuro",
    "farid.peds",
    "gwen.peds",
    "hugo.em",
    "ines.em",
    "jon.endo",
    "kim.psych",
    "leo.derm",
]


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def table_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.managed}


@pytest.fixture
def seeded(db, django_capture_on_commit_callbacks, storage_root):
    with django_capture_on_commit_callbacks(execute=True):
        output = seed()
    return output


def test_seed_creates_the_demo_project_with_every_criterion_kind(seeded):
    project = Project.objects.get(slug="health-answers")
    criteria = {c.key: c for c in project.rubric.criteria.all()}
    assert {k: c.kind for k, c in criteria.items()} == {
        "accurate": "binary",
        "complete": "ordinal",
        "communication": "ordinal",
        "seeks_context": "binary",
        "urgency": "nominal",
        "red_flags": "points",
        "harmful": "points",
        "efficient_reasoning": "ordinal",
    }
    assert criteria["urgency"].choices == ["emergency", "urgent", "routine", "self-care"]
    assert (criteria["red_flags"].points, criteria["red_flags"].allow_na) == (8, True)
    assert criteria["harmful"].points == -10
    assert {c.axis for c in criteria.values()} == {
        "accuracy",
        "completeness",
        "communication",
        "context_awareness",
        "safety",
        "reasoning_efficiency",
    }
    assert project.cohorts.count() == 3


def test_seed_creates_verified_active_physicians_in_three_cohorts_with_one_lead(seeded):
    physicians = Physician.objects.filter(user__username__endswith="@rounds.demo")
    assert sorted(p.user.username for p in physicians) == [f"{e}@rounds.demo" for e in EMAILS]
    assert all(may_review(p) for p in physicians)
    assert all(p.user.check_password(PASSWORD) for p in physicians)
    assert all(p.licence_number and p.years_in_practice for p in physicians)
    for cohort in Cohort.objects.all():
        assert CohortMembership.objects.filter(cohort=cohort, role="lead").count() == 1
    assert Cohort.objects.count() == 3
    assert mail.outbox == []  # demo accounts get the documented password, not an e-mail


def test_seed_prints_the_logins_and_the_admin_can_sign_in(seeded, client):
    assert f"password for everyone: {PASSWORD}" in seeded
    for email in ["admin@rounds.demo", *(f"{e}@rounds.demo" for e in EMAILS)]:
        assert email in seeded
    assert client.login(username="admin@rounds.demo", password=PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_seed_loads_the_demo_samples_and_the_historical_reviews(seeded):
    expected = sum(1 for line in (DEMO / "samples.jsonl").open() if line.strip())
    project = Project.objects.get(slug="health-answers")
    assert Sample.objects.filter(project=project).count() == expected
    specialties = {json.loads(line)["specialty"] for line in (DEMO / "samples.jsonl").open()}
    assert Sample.objects.values("specialty").distinct().count() == len(specialties)
    reviews = sum(1 for line in (DEMO / "reviews.jsonl").open() if line.strip())
    assert Review.objects.filter(project=project).count() == reviews
    assert (
        Review.objects.filter(project=project, verdict="revise")
        .exclude(corrected_answer="")
        .exists()
    )


def test_running_seed_again_changes_nothing(seeded, django_capture_on_commit_callbacks):
    before = table_counts()
    last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    with django_capture_on_commit_callbacks(execute=True):
        output = seed()

    before.pop("core.AuditEvent")
    after = table_counts()
    after.pop("core.AuditEvent")
    assert after == before
    # The only trace of the second run is each import's own record of a no-op run.
    for event in AuditEvent.objects.filter(id__gt=last_event):
        assert event.action in ("samples.import", "reviews.import"), event.action
        changes = {k: event.after.get(k, 0) for k in ("created", "updated", "amended")}
        assert changes == {"created": 0, "updated": 0, "amended": 0}
    assert "Project health-answers unchanged" in output
    assert "0 created, 0 updated, 12 unchanged" in output


def test_the_demo_project_is_alive_on_the_day_it_is_seeded(seeded):
    """Recent reviews, a computed report, a sample in adjudication and a built export."""
    from django.utils import timezone

    from console.selectors import projects_overview
    from curation.models import AgreementReport
    from exports.models import Export

    project = Project.objects.get(slug="health-answers")
    today = timezone.localdate()
    days = {
        timezone.localtime(t).date() for t in Review.objects.values_list("submitted_at", flat=True)
    }
    assert max(days) == today - timedelta(days=1)
    assert min(days) >= today - timedelta(days=13)
    admin = get_user_model().objects.get(username="admin@rounds.demo")
    (row,) = projects_overview(admin)
    counts = [n for _, n in row["per_day"]]
    assert sum(counts) == Review.objects.filter(project=project, is_model=False).count()
    assert sum(1 for n in counts if n) >= 10

    reports = list(AgreementReport.objects.filter(project=project).order_by("id"))
    assert [r.status for r in reports] == ["done", "done", "done"]  # three rounds: a trend
    report = reports[-1]
    assert sum(r.settled for r in reports) > 0
    assert sum(r.sent_to_adjudication for r in reports) > 0
    alphas = [c["overall"]["alpha"] for c in report.figures["criteria"]]
    assert any(a is not None for a in alphas)
    assert Sample.objects.filter(project=project, status="adjudication").exists()
    assert "samples settled" in seeded and "sent to adjudication" in seeded

    export = Export.objects.get(project=project)
    assert export.status == "done" and export.row_count > 0
    assert export.row_count <= Sample.objects.filter(project=project, status="settled").count()
    assert export.manifest["reliability"]["report"] == report.pk
    assert f"Export: v1 sft, {export.row_count} rows." in seeded
