"""A small world for fuzzing the API: every criterion kind, leases, a dispute, an export."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.tokens import api_token_create
from curation.models import Review, Sample
from curation.reviewing.assignment import assignment_next
from exports.models import Export
from exports.services import export_build, export_create
from tests.curation.workflow_helpers import disputed_sample
from tests.factories import (
    CohortFactory,
    PhysicianFactory,
    ProjectFactory,
    SampleFactory,
    UserFactory,
    join,
)

GRADES = {"accurate": True, "completeness": 4, "urgency": "urgent", "advises_er": True}


@dataclass
class Caller:
    """One role: its bearer token and the ids of objects it can reach."""

    token: str
    path_ids: dict[str, object] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def build_world() -> dict[str, Caller]:
    """Admin (staff), a physician with a live lease and a submitted review, and a cohort lead.

    The project's rubric (from the factory) has one criterion of every kind: binary, ordinal,
    nominal and points. One sample waits for adjudication, one is settled and exported.
    """
    cohort = CohortFactory(slug="fuzz-panel", name="Fuzz panel")
    project = ProjectFactory(slug="fuzz-project", cohorts=[cohort], overlap=2)
    admin = UserFactory(username="admin@fuzz.test", is_staff=True, is_superuser=True)
    project.admins.add(admin)
    physician = PhysicianFactory(user__username="alice@fuzz.test", specialties=["cardiology"])
    peer = PhysicianFactory(user__username="bob@fuzz.test", specialties=["cardiology"])
    lead = PhysicianFactory(user__username="lena@fuzz.test", specialties=["cardiology"])
    join(cohort, physician)
    join(cohort, peer)
    join(cohort, lead, role="lead")

    disputed = disputed_sample(project, physician, peer, GRADES)
    SampleFactory(project=project, external_id="open-1")
    live = assignment_next(user=physician.user, project=project).assignment
    assert live is not None
    review = Review.objects.get(reviewer=physician.user, sample=disputed)

    SampleFactory(
        project=project,
        external_id="settled-1",
        status=Sample.Status.SETTLED,
        slots_open=0,
        final_verdict="accept",
        final_source="consensus",
        final_grades=GRADES,
    )
    export = export_create(actor=admin, project=project, format="sft", enqueue=False)
    export = export_build(export_id=export.pk)
    assert export.status == Export.Status.DONE, export.error

    shared = {"slug": project.slug, "sample_id": disputed.pk, "export_id": export.pk}
    return {
        "admin": Caller(api_token_create(user=admin, name="fuzz")[1], dict(shared)),
        "physician": Caller(
            api_token_create(user=physician.user, name="fuzz")[1],
            {**shared, "assignment": live.pk, "review": review.pk},
        ),
        "lead": Caller(api_token_create(user=lead.user, name="fuzz")[1], dict(shared)),
    }
