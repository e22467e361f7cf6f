"""One small world with every kind of caller, and the ids the URL patterns need."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from annotators.models import Physician
from core.tokens import api_token_create
from curation.models import Assignment, Review, Sample
from curation.reviewing.assignment import assignment_next
from exports.models import Export
from exports.services import pipeline_token_create
from tests.curation.agreement.conftest import record_review
from tests.curation.workflow_helpers import disputed_sample
from tests.factories import (
    CohortFactory,
    PhysicianFactory,
    ProjectFactory,
    SampleFactory,
    UserFactory,
    join,
)

ROLES = (
    "anonymous",
    "reviewer",
    "outsider",
    "lead",
    "project_admin",
    "staff",
    "superuser",
    "pipeline",
    "admin_reviewer",
    "lead_reviewer",
    "suspended_lead",
)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

GRADES = {"accurate": True, "completeness": 4, "urgency": "urgent", "advises_er": True}


@dataclass
class World:
    project_slug: str
    assignment_id: int
    review_id: int
    adjudication_sample_id: int
    leased_sample_id: int
    export_id: int
    physician_id: int
    cohort_slug: str
    users: dict
    pipeline_key: str
    pipeline_token_id: int = 0
    api_token_id: int = 0

    def client_for(self, role: str) -> Client:
        client = Client(raise_request_exception=False)
        if role == "pipeline":
            client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {self.pipeline_key}"
        elif role != "anonymous":
            client.force_login(self.users[role])
        return client

    def kwargs_for(self, route_name: str, pattern_kwargs: set[str], role: str = "") -> dict:
        """The ids a route needs; the admin who reviews asks about the open sample she holds."""
        cohort_route = route_name.startswith("console-cohort")
        sample_id = self.adjudication_sample_id
        if role == "admin_reviewer":
            sample_id = self.leased_sample_id
        values = {
            "slug": self.cohort_slug if cohort_route else self.project_slug,
            "pk": self.review_id if route_name.startswith("api-review") else self.assignment_id,
            "assignment_id": self.assignment_id,
            "review_id": self.review_id,
            "sample_id": sample_id,
            "export_id": self.export_id,
            "physician_id": self.physician_id,
            "uidb64": "MQ",
            "token": "set-password",
            "token_id": self.api_token_id,
            "pipeline_token_id": self.pipeline_token_id,
        }
        return {name: values[name] for name in pattern_kwargs}


def build_world() -> World:
    cohort = CohortFactory(slug="authz-panel", name="Authz panel")
    project = ProjectFactory(slug="authz-project", cohorts=[cohort], overlap=2)
    reviewer = PhysicianFactory(user__username="reviewer@authz.test", specialties=["cardiology"])
    # The second reviewer of the disputed sample is a lead: she may read it, never decide it.
    lead_reviewer = PhysicianFactory(user__username="peer@authz.test", specialties=["cardiology"])
    lead = PhysicianFactory(user__username="lead@authz.test", specialties=["cardiology"])
    outsider = PhysicianFactory(user__username="outsider@authz.test", specialties=["cardiology"])
    suspended_lead = PhysicianFactory(
        user__username="suspended@authz.test",
        specialties=["cardiology"],
        status=Physician.Status.SUSPENDED,
    )
    admin_reviewer = PhysicianFactory(user__username="ada@authz.test", specialties=["cardiology"])
    join(cohort, reviewer)
    join(cohort, lead_reviewer, role="lead")
    join(cohort, lead, role="lead")
    join(cohort, suspended_lead, role="lead")
    join(cohort, admin_reviewer)
    project_admin = UserFactory(username="padmin@authz.test")
    project.admins.add(project_admin, admin_reviewer.user)
    staff = UserFactory(username="staff@authz.test", is_staff=True)
    superuser = UserFactory(username="root@authz.test", is_staff=True, is_superuser=True)

    # A sample both physicians reviewed and that waits for a lead's decision.
    disputed = disputed_sample(project, reviewer, lead_reviewer, GRADES)
    SampleFactory(project=project, external_id="open-1")
    lease = assignment_next(user=reviewer.user, project=project).assignment
    review = Review.objects.get(reviewer=reviewer.user, sample=disputed)
    assert isinstance(lease, Assignment)
    # An open sample a peer has reviewed, on which the admin who reviews holds a live lease.
    shared = SampleFactory(project=project, external_id="shared")
    peer_review = record_review(shared, lead_reviewer, verdict="reject")
    Assignment.objects.create(
        project=project,
        sample=shared,
        reviewer=admin_reviewer.user,
        served_at=timezone.now(),
        expires_at=timezone.now() + timedelta(hours=1),
    )
    assert peer_review.sample.status == Sample.Status.OPEN

    token, key = pipeline_token_create(name="trainer", projects=[project], actor=superuser)
    export = Export.objects.create(
        project=project,
        version=1,
        format="sft",
        file_format="jsonl",
        spec={},
        created_by=superuser,
        status=Export.Status.QUEUED,
    )
    return World(
        project_slug=project.slug,
        assignment_id=lease.pk,
        review_id=review.pk,
        adjudication_sample_id=disputed.pk,
        leased_sample_id=shared.pk,
        export_id=export.pk,
        physician_id=reviewer.pk,
        cohort_slug=cohort.slug,
        users={
            "reviewer": reviewer.user,
            "outsider": outsider.user,
            "lead": lead.user,
            "project_admin": project_admin,
            "staff": staff,
            "superuser": superuser,
            "admin_reviewer": admin_reviewer.user,
            "lead_reviewer": lead_reviewer.user,
            "suspended_lead": suspended_lead.user,
        },
        pipeline_key=key,
        pipeline_token_id=token.pk,
        api_token_id=api_token_create(user=reviewer.user, name="reviewer's script")[0].pk,
    )


def now() -> str:
    return timezone.now().isoformat()
