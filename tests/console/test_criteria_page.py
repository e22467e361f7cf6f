"""The console's sample-criteria page: progress, the most disputed, model graders."""

import pytest
from django.test import Client

from curation.criteria.services import (
    criterion_create,
    criterion_grade_record,
    model_grader_register,
)
from curation.criteria.validating import criterion_validate
from tests.factories import SampleFactory, UserFactory


@pytest.fixture
def world(project, cardiologist, second_cardiologist, lead):
    project.criteria_validators = 2
    project.save()
    judge = model_grader_register(name="judge", version="7", actor=None)
    s1 = SampleFactory(project=project, external_id="s-1")
    SampleFactory(project=project, external_id="s-2")
    kept = criterion_create(
        sample=s1, text="Advises 911.", points=8, axis="accuracy", status="validated", actor=None
    )
    fought = criterion_create(
        sample=s1, text="Mentions diet.", points=2, axis="completeness", actor=cardiologist.user
    )
    criterion_validate(criterion=fought, validator=second_cardiologist.user, decision="disagree")
    criterion_validate(criterion=fought, validator=lead.user, decision="disagree")
    for doctor in (cardiologist, second_cardiologist, lead):
        criterion_grade_record(criterion=kept, met=True, physician=doctor.user, actor=None)
    criterion_grade_record(criterion=kept, met=True, model_grader=judge, actor=None)
    return project


def test_admin_sees_progress_disputes_and_graders(world):
    admin = UserFactory()
    world.admins.add(admin)
    client = Client()
    client.force_login(admin)
    page = client.get(f"/console/projects/{world.slug}/criteria/")
    assert page.status_code == 200
    body = page.content.decode()
    assert page.context["progress"]["by_status"] == {
        "proposed": 0,
        "validated": 1,
        "disputed": 1,
        "rejected": 0,
    }
    assert page.context["progress"]["samples_with_criteria"] == 1
    assert page.context["progress"]["criteria_per_sample"] == 1.0
    assert "Mentions diet." in body and "2 against" in body
    assert "judge@7" in body


def test_reviewer_cannot_open_it(world, cardiologist):
    client = Client()
    client.force_login(cardiologist.user)
    assert client.get(f"/console/projects/{world.slug}/criteria/").status_code == 403
