"""The assignment engine: who gets which sample, in what order, and when they get nothing."""

from __future__ import annotations

import pytest

from annotators.models import Physician
from core.errors import DomainError
from core.models import AuditEvent
from curation.models import Assignment, Project, Sample
from curation.reviewing.assignment import assignment_next
from curation.reviewing.reviews import review_submit
from tests.curation.workflow_helpers import grades, samples
from tests.factories import CohortFactory, PhysicianFactory, ProjectFactory, SampleFactory, join

pytestmark = pytest.mark.django_db


def pull(physician, project):
    """The lease a pull hands out (None when nothing is left)."""
    lease = assignment_next(user=physician.user, project=project)
    return lease.assignment if lease is not None else None


def submit(assignment, physician):
    return review_submit(
        assignment_id=assignment.pk, user=physician.user, grades=grades(), verdict="accept"
    ).review


def test_cardiologist_gets_a_lease_for_an_open_sample(cardiologist, project):
    [sample] = samples(project, 1)
    assignment = pull(cardiologist, project)
    assert assignment.sample == sample
    assert assignment.status == Assignment.Status.LEASED
    minutes = (assignment.expires_at - assignment.served_at).total_seconds() / 60
    assert minutes == pytest.approx(project.lease_minutes)
    sample.refresh_from_db()
    assert sample.slots_open == project.overlap - 1
    assert AuditEvent.objects.filter(action="assignment.lease", object_id=str(assignment.pk))


def test_a_reload_returns_the_same_live_lease_instead_of_burning_a_sample(cardiologist, project):
    samples(project, 3)
    first = assignment_next(user=cardiologist.user, project=project)
    again = assignment_next(user=cardiologist.user, project=project)
    assert again.assignment.pk == first.assignment.pk
    assert (first.resumed, again.resumed) == (False, True)
    assert Assignment.objects.filter(reviewer=cardiologist.user).count() == 1


def test_samples_of_another_specialty_are_not_served_when_the_project_matches(
    neurologist, cardiologist, project
):
    samples(project, 2)  # cardiology
    assert pull(neurologist, project) is None
    assert pull(cardiologist, project) is not None


def test_samples_without_specialty_or_without_matching_go_to_anyone(neurologist, cohort):
    open_project = ProjectFactory(cohorts=[cohort], specialty_match=False)
    [sample] = samples(open_project, 1)
    assert pull(neurologist, open_project).sample == sample

    matching = ProjectFactory(cohorts=[cohort])
    [general] = samples(matching, 1, specialty=None)
    assert pull(neurologist, matching).sample == general


def test_a_physician_outside_the_project_cohorts_is_refused(outsider, project):
    samples(project, 1)
    with pytest.raises(DomainError) as err:
        pull(outsider, project)
    assert err.value.code == "not_allowed"
    assert "not in a cohort" in err.value.message


def test_an_archived_cohort_no_longer_opens_the_project(cardiologist, cohort, project):
    samples(project, 1)
    cohort.archived = True
    cohort.save()
    with pytest.raises(DomainError, match="not in a cohort"):
        pull(cardiologist, project)


def test_a_second_cohort_opens_the_project_to_its_members(project):
    other = CohortFactory(slug="night-shift")
    project.cohorts.add(other)
    physician = PhysicianFactory(specialties=["cardiology"])
    join(other, physician)
    samples(project, 1)
    assert pull(physician, project) is not None


def test_prefers_samples_closest_to_completion(cardiologist, second_cardiologist, lead, project):
    a, b, c = samples(project, 3)
    Sample.objects.filter(pk=c.pk).update(slots_open=1)
    Sample.objects.filter(pk=b.pk).update(slots_open=2)
    assert pull(cardiologist, project).sample_id == c.pk
    assert pull(second_cardiologist, project).sample_id == b.pk
    assert pull(lead, project).sample_id == b.pk  # b has 1 slot left now


def test_never_more_than_k_reviewers_per_sample(cohort):
    project = ProjectFactory(cohorts=[cohort], overlap=2)
    [sample] = samples(project, 1)
    physicians = PhysicianFactory.create_batch(3, specialties=["cardiology"])
    for physician in physicians:
        join(cohort, physician)
    first, second = pull(physicians[0], project), pull(physicians[1], project)
    assert {first.sample_id, second.sample_id} == {sample.pk}
    assert pull(physicians[2], project) is None
    sample.refresh_from_db()
    assert sample.slots_open == 0


def test_never_the_same_sample_twice_for_one_physician(cardiologist, project):
    a, b = samples(project, 2)
    first = pull(cardiologist, project)
    submit(first, cardiologist)
    second = pull(cardiologist, project)
    assert second.sample_id != first.sample_id
    submit(second, cardiologist)
    assert pull(cardiologist, project) is None


def test_quarantined_and_finished_samples_are_not_served(cardiologist, project):
    SampleFactory(project=project, quarantined=True)
    SampleFactory(project=project, status=Sample.Status.COMPLETE)
    SampleFactory(project=project, slots_open=0)
    assert pull(cardiologist, project) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": Physician.Status.SUSPENDED, "status_reason": "licence lapsed"}, "suspended"),
        ({"status": Physician.Status.INVITED}, "not active"),
        (
            {
                "verification": Physician.Verification.UNVERIFIED,
                "verified_by": None,
                "verified_at": None,
            },
            "not been verified",
        ),
    ],
)
def test_a_physician_who_may_not_review_cannot_pull(cardiologist, project, change, message):
    samples(project, 1)
    Physician.objects.filter(pk=cardiologist.pk).update(**change)
    with pytest.raises(DomainError) as err:
        pull(cardiologist, project)
    assert err.value.code == "not_allowed"
    assert message in err.value.message


def test_suspension_reason_is_shown(cardiologist, project):
    Physician.objects.filter(pk=cardiologist.pk).update(
        status=Physician.Status.SUSPENDED, status_reason="licence lapsed"
    )
    with pytest.raises(DomainError, match="licence lapsed"):
        pull(cardiologist, project)


def test_a_model_grader_cannot_pull_from_the_queue(cohort, project):
    model = PhysicianFactory(is_model=True, specialties=["cardiology"])
    join(cohort, model)
    samples(project, 1)
    with pytest.raises(DomainError, match="Model graders"):
        pull(model, project)


def test_a_paused_project_serves_nothing_and_says_so(cardiologist, project):
    samples(project, 1)
    Project.objects.filter(pk=project.pk).update(status=Project.Status.PAUSED)
    project.refresh_from_db()
    with pytest.raises(DomainError) as err:
        pull(cardiologist, project)
    assert err.value.code == "project_paused"
    assert "paused" in err.value.message


def test_daily_cap_counts_reviews_and_live_leases(cardiologist, project):
    samples(project, 5)
    Physician.objects.filter(pk=cardiologist.pk).update(daily_cap=2)
    submit(pull(cardiologist, project), cardiologist)
    pull(cardiologist, project)  # one live lease: 1 review + 1 lease = the cap
    other = ProjectFactory(cohorts=list(project.cohorts.all()))
    samples(other, 1)
    with pytest.raises(DomainError) as err:
        pull(cardiologist, other)
    assert err.value.code == "cap_reached"
    assert err.value.message == (
        "You have reached your daily cap of 2 reviews; no more samples today."
    )


def test_per_project_cap(cardiologist, project):
    samples(project, 5)
    Project.objects.filter(pk=project.pk).update(per_physician_cap=1)
    project.refresh_from_db()
    submit(pull(cardiologist, project), cardiologist)
    with pytest.raises(DomainError) as err:
        pull(cardiologist, project)
    assert err.value.code == "cap_reached"
    assert "cap of 1 reviews per physician" in err.value.message


def test_the_existing_lease_is_returned_even_at_the_cap(cardiologist, project):
    samples(project, 2)
    Physician.objects.filter(pk=cardiologist.pk).update(daily_cap=1)
    first = pull(cardiologist, project)
    assert pull(cardiologist, project).pk == first.pk
