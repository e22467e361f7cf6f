"""Project oversight: progress, throughput, median time, skips, queue; pause and resume."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from console.selectors import project_detail, projects_overview
from console.views import day_chart, progress_bar
from core.errors import DomainError
from core.models import AuditEvent
from curation.models import Review, Sample
from curation.projects.workload import project_pause, project_resume
from curation.reviewing.assignment import assignment_next, assignment_skip
from tests.console.conftest import lease, review
from tests.factories import PhysicianFactory, ProjectFactory, SampleFactory, join

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_project(project, cardiologist, second_cardiologist, lead):
    """Ten samples: 2 settled, 1 in adjudication, 3 touched by reviews or skips, 4 untouched."""
    samples = SampleFactory.create_batch(10, project=project)
    Sample.objects.filter(pk__in=[s.pk for s in samples[:2]]).update(status="settled")
    Sample.objects.filter(pk=samples[2].pk).update(status="adjudication")
    Sample.objects.filter(pk__in=[s.pk for s in samples[:3]]).update(slots_open=0)
    review(cardiologist, project, time_ms=30_000)  # samples[3]
    review(second_cardiologist, project, time_ms=90_000)  # samples[3] too (lowest slots first)
    skipped = lease(lead, project)
    assignment_skip(assignment=skipped, user=lead.user, reason="conflict_of_interest")
    again = lease(lead, project)
    assignment_skip(assignment=again, user=lead.user, reason="conflict_of_interest")
    third = lease(cardiologist, project)
    assignment_skip(assignment=third, user=cardiologist.user, reason="cannot_judge")
    return project


def test_projects_overview_counts_progress_and_work(project_admin, busy_project):
    (row,) = projects_overview(project_admin)
    progress = row["progress"]
    assert (progress["total"], progress["settled"], progress["adjudication"]) == (10, 2, 1)
    # Touched but not settled: the one in adjudication, the reviewed one, and none of the skipped
    # samples (their slots came back), so untouched is the rest.
    assert progress["in_review"] == 2
    assert progress["untouched"] == 6
    assert row["median_seconds"] == 60.0
    assert [(s["reason"], s["n"]) for s in row["skips"]] == [
        ("conflict_of_interest", 2),
        ("cannot_judge", 1),
    ]
    assert row["per_day"][-1] == (timezone.localdate(), 2)
    assert len(row["per_day"]) == 14


def test_reviews_per_day_put_each_review_on_its_day(project_admin, project, cardiologist):
    SampleFactory.create_batch(2, project=project)
    old = review(cardiologist, project)
    Review.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=3))
    review(cardiologist, project)
    series = dict(projects_overview(project_admin)[0]["per_day"])
    today = timezone.localdate()
    assert series[today] == 1
    assert series[today - timedelta(days=3)] == 1
    assert sum(series.values()) == 2


def test_projects_page_shows_the_bar_chart_and_links(client, admin, busy_project):
    client.force_login(admin)
    page = client.get(reverse("console-projects")).content.decode()
    assert 'aria-label="Progress: 2 settled, 2 in review, 6 untouched of 10 samples"' in page
    assert 'data-testid="adjudication">1<' in page
    assert 'data-testid="median">1 min<' in page
    assert "Conflict of interest" in page
    assert reverse("agreement-dashboard", args=[busy_project.slug]) in page
    assert reverse("export-list") in page
    assert 'aria-label="Reviews per day, Chest pain triage: 2 in 14 days"' in page


def test_project_page_shows_samples_by_specialty_and_reviewers(client, admin, busy_project):
    client.force_login(admin)
    response = client.get(reverse("console-project", args=[busy_project.slug]))
    page = response.content.decode()
    row = '<td>Cardiovascular Disease</td><td class="num">10</td><td class="num">2</td>'
    assert row in page
    assert "Alice" in page and "Bob" in page
    assert "Pause project" in page


def test_progress_bar_segments_fill_the_bar():
    bar = progress_bar({"total": 4, "settled": 1, "in_review": 1, "untouched": 2})
    widths = [s["w"] for s in bar["segments"]]
    assert sum(widths) == bar["width"]
    assert [s["pct"] for s in bar["segments"]] == [25, 25, 50]
    empty = progress_bar({"total": 0, "settled": 0, "in_review": 0, "untouched": 0})
    assert [s["w"] for s in empty["segments"]] == [0.0, 0.0, 0.0]


def test_day_chart_scales_to_the_busiest_day():
    today = timezone.localdate()
    chart = day_chart([(today - timedelta(days=1), 2), (today, 4)], label="x")
    short, tall = chart["bars"]
    assert tall["h"] == 2 * short["h"]
    assert tall["y"] < short["y"]
    assert chart["total"] == 6


def test_pause_stops_serving_and_resume_serves_again(client, project_admin, cardiologist, project):
    SampleFactory.create_batch(2, project=project)
    client.force_login(project_admin)
    response = client.post(reverse("console-project-pause", args=[project.slug]), follow=True)
    assert "is paused: no new samples are served" in response.content.decode()
    project.refresh_from_db()
    assert project.status == "paused"
    with pytest.raises(DomainError, match="is paused"):
        assignment_next(user=cardiologist.user, project=project).assignment

    client.post(reverse("console-project-resume", args=[project.slug]))
    project.refresh_from_db()
    assert project.status == "active"
    assert assignment_next(user=cardiologist.user, project=project) is not None
    actions = list(
        AuditEvent.objects.filter(action__startswith="project.")
        .order_by("id")
        .values_list("action", "actor_id")
    )
    assert actions == [("project.paused", project_admin.pk), ("project.resumed", project_admin.pk)]


def test_pausing_twice_writes_one_event(admin, project):
    assert project_pause(project=project, actor=admin) is True
    assert project_pause(project=project, actor=admin) is False
    assert AuditEvent.objects.filter(action="project.paused").count() == 1


def test_an_archived_project_cannot_be_resumed(admin, project):
    project.status = "archived"
    project.save()
    with pytest.raises(DomainError, match="only a project that is paused can be resumed"):
        project_resume(project=project, actor=admin)


def test_projects_page_takes_the_same_queries_for_more_projects(
    client, admin, cohort, cardiologist
):
    client.force_login(admin)

    def add_project(n: int) -> None:
        project = ProjectFactory(slug=f"load-{n}", cohorts=[cohort])
        SampleFactory.create_batch(2, project=project)
        review(cardiologist, project)
        assignment_skip(
            assignment=lease(cardiologist, project), user=cardiologist.user, reason="cannot_judge"
        )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("console-projects")).status_code == 200
        return len(captured)

    add_project(0)
    before = queries()
    for n in range(1, 6):
        add_project(n)
    assert queries() == before


def test_project_page_takes_the_same_queries_for_more_reviewers(client, admin, project, cohort):
    client.force_login(admin)
    SampleFactory.create_batch(12, project=project)

    def add_reviewer(n: int) -> None:
        physician = PhysicianFactory(specialties=["cardiology"])
        join(cohort, physician)
        review(physician, project)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("console-project", args=[project.slug])).status_code == 200
        return len(captured)

    add_reviewer(0)
    before = queries()
    for n in range(1, 6):
        add_reviewer(n)
    assert queries() == before


def test_project_detail_for_a_project_without_samples(project):
    row = project_detail(project)
    assert row["progress"]["total"] == 0
    assert row["median_seconds"] is None
    assert row["skips"] == []
