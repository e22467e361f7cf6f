"""Cohorts from the console: create, rename, archive, members with roles, and the cohort page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotators.models import Cohort, CohortMembership
from core.errors import DomainError
from core.models import AuditEvent
from curation.reviewing.assignment import assignment_next
from tests.console.conftest import review
from tests.factories import PhysicianFactory, ProjectFactory, SampleFactory, join

pytestmark = pytest.mark.django_db


def test_admin_creates_a_cohort_and_lands_on_its_page(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("console-cohort-new"), {"name": "  Emergency   medicine  "}, follow=True
    )
    cohort = Cohort.objects.get()
    assert (cohort.slug, cohort.name) == ("emergency-medicine", "Emergency medicine")
    assert response.redirect_chain[-1][0] == reverse("console-cohort", args=[cohort.slug])
    assert AuditEvent.objects.get(action="cohort.created").actor == admin


def test_a_taken_or_reserved_short_name_is_refused(client, admin, cohort):
    client.force_login(admin)
    taken = client.post(reverse("console-cohort-new"), {"name": "X", "slug": cohort.slug})
    assert "a cohort with the slug &#x27;cardio-panel&#x27; already exists" in (
        taken.content.decode()
    )
    reserved = client.post(reverse("console-cohort-new"), {"name": "New"})
    assert "This short name is taken by a page" in reserved.content.decode()
    assert Cohort.objects.count() == 1


def test_rename_keeps_the_slug_and_is_audited(client, admin, cohort):
    client.force_login(admin)
    client.post(
        reverse("console-cohort-rename", args=[cohort.slug]),
        {"name": "Cardiology night panel", "description": "Weeknights"},
    )
    cohort.refresh_from_db()
    assert (cohort.slug, cohort.name, cohort.description) == (
        "cardio-panel",
        "Cardiology night panel",
        "Weeknights",
    )
    event = AuditEvent.objects.get(action="cohort.renamed")
    assert event.before == {"name": "Cardiology panel", "description": ""}


def test_archiving_closes_the_cohorts_projects_to_its_members(
    client, admin, cohort, cardiologist, project
):
    SampleFactory(project=project)
    client.force_login(admin)
    client.post(reverse("console-cohort-archive", args=[cohort.slug]), {"archived": "1"})
    cohort.refresh_from_db()
    assert cohort.archived
    with pytest.raises(DomainError, match="not in a cohort"):
        assignment_next(user=cardiologist.user, project=project).assignment
    client.post(reverse("console-cohort-archive", args=[cohort.slug]), {"archived": "0"})
    cohort.refresh_from_db()
    assert not cohort.archived
    assert [e.action for e in AuditEvent.objects.filter(object_type="annotators.cohort")] == [
        "cohort.restored",
        "cohort.archived",
    ]


def test_members_are_added_with_a_role_changed_and_removed(client, admin, cohort):
    physician = PhysicianFactory(user__username="dana@rounds.test")
    client.force_login(admin)
    url = reverse("console-cohort-member-add", args=[cohort.slug])
    response = client.post(url, {"email": "DANA@rounds.test", "role": "reviewer"}, follow=True)
    assert "is a reviewer in Cardiology panel" in response.content.decode()
    client.post(url, {"email": "dana@rounds.test", "role": "lead"})
    assert CohortMembership.objects.get(physician=physician).role == "lead"
    client.post(reverse("console-cohort-member-remove", args=[cohort.slug, physician.pk]))
    assert not CohortMembership.objects.filter(physician=physician).exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="cohort.member")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["cohort.member_added", "cohort.member_role_changed", "cohort.member_removed"]


def test_adding_an_unknown_e_mail_says_so(client, admin, cohort):
    client.force_login(admin)
    response = client.post(
        reverse("console-cohort-member-add", args=[cohort.slug]),
        {"email": "ghost@rounds.test", "role": "reviewer"},
        follow=True,
    )
    assert "no physician has the e-mail ghost@rounds.test" in response.content.decode()


def test_cohort_page_shows_specialties_members_projects_and_throughput(
    client, admin, cohort, cardiologist, neurologist, lead, project
):
    SampleFactory.create_batch(2, project=project)
    review(cardiologist, project)
    client.force_login(admin)
    response = client.get(reverse("console-cohort", args=[cohort.slug]))
    context = response.context
    assert {s.code: s.members for s in context["specialties"]} == {"cardiology": 2, "neurology": 1}
    assert {m.physician.user.username for m in context["members"]} == {
        "alice@rounds.test",
        "nora@rounds.test",
        "lena@rounds.test",
    }
    assert [p.slug for p in context["projects"]] == [project.slug]
    assert context["chart"]["total"] == 1
    assert "Reviews per day, Cardiology panel: 1 in 14 days" in response.content.decode()


def test_cohort_list_counts_members_leads_and_projects(client, admin, cohort, lead, cardiologist):
    client.force_login(admin)
    ProjectFactory(slug="p1", cohorts=[cohort])
    ProjectFactory(slug="p2", cohorts=[cohort], status="paused")
    (row,) = client.get(reverse("console-cohorts")).context["cohorts"]
    assert (row.members_count, row.leads_count, row.projects_count) == (2, 1, 1)


def test_cohort_page_takes_the_same_queries_for_more_members(client, admin, cohort):
    client.force_login(admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("console-cohort", args=[cohort.slug])).status_code == 200
        return len(captured)

    join(cohort, PhysicianFactory(specialties=["cardiology"]))
    before = queries()
    for code in ("neurology", "cardiology", "dermatology", "oncology"):
        join(cohort, PhysicianFactory(specialties=[code]))
    assert queries() == before
