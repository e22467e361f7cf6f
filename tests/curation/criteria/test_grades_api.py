"""Criterion grades over REST: a model grader's token, or a physician; scoped to projects."""

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from curation.criteria.services import criterion_create, model_grader_register
from curation.criteria.tokens import grader_token_create
from curation.models import CriterionGrade
from tests.factories import ProjectFactory, SampleFactory


@pytest.fixture
def sample(project):
    s = SampleFactory(project=project, external_id="s-1")
    criterion_create(sample=s, text="Advises 911.", points=9, axis="accuracy", actor=None)
    criterion_create(sample=s, text="Says to wait.", points=-6, axis="accuracy", actor=None)
    return s


def _bearer(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


BODY = {
    "sample_id": "s-1",
    "criteria": [{"criterion": 0, "met": True}, {"criterion": 1, "met": False}],
}


def test_model_grader_posts_with_its_token(project, sample):
    grader = model_grader_register(name="judge", version="3", actor=None)
    _, key = grader_token_create(grader=grader, projects=[project], actor=None)
    url = f"/api/projects/{project.slug}/criteria/grades/"
    response = _bearer(key).post(url, BODY, format="json")
    assert response.status_code == 201, response.content
    assert response.json() == {"created": 2, "amended": 0, "unchanged": 0}
    assert _bearer(key).post(url, BODY, format="json").json()["unchanged"] == 2
    assert set(CriterionGrade.objects.values_list("model_grader__name", "met")) == {
        ("judge", True),
        ("judge", False),
    }


def test_token_is_scoped_to_its_projects_and_cannot_name_another_grader(project, sample):
    grader = model_grader_register(name="judge", version="3", actor=None)
    other = ProjectFactory(slug="other")
    _, key = grader_token_create(grader=grader, projects=[other], actor=None)
    url = f"/api/projects/{project.slug}/criteria/grades/"
    assert _bearer(key).post(url, BODY, format="json").status_code == 404
    _, key = grader_token_create(grader=grader, projects=[project], actor=None)
    spoof = {**BODY, "grader": {"model": "other@1"}}
    assert _bearer(key).post(url, spoof, format="json").status_code == 400
    assert _bearer("rgt_not-a-key").post(url, BODY, format="json").status_code == 401
    assert not CriterionGrade.objects.exists()
    # a grader token opens nothing else
    assert _bearer(key).get("/api/projects/").status_code in (401, 403)


def test_physician_posts_own_grades(project, sample, cardiologist):
    client = APIClient()
    client.force_authenticate(cardiologist.user)
    url = f"/api/projects/{project.slug}/criteria/grades/"
    bad = {"sample_id": "s-1", "criteria": [{"criterion": 0, "met": "yes"}]}
    assert client.post(url, bad, format="json").status_code == 400
    assert client.post(url, BODY, format="json").status_code == 201
    assert CriterionGrade.objects.filter(physician=cardiologist.user).count() == 2


def test_command_registers_and_prints_a_token_once(project, sample):
    out = io.StringIO()
    call_command("register_model_grader", "judge@9", token_for=[project.slug], stdout=out)
    key = out.getvalue().split("token (shown once): ")[1].strip()
    url = f"/api/projects/{project.slug}/criteria/grades/"
    assert _bearer(key).post(url, BODY, format="json").status_code == 201
