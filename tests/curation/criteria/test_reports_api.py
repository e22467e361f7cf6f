"""The meta-evaluation and score reports over REST, from grades in the database."""

import pytest
from rest_framework.test import APIClient
from sklearn.metrics import f1_score

from curation.criteria.services import (
    criterion_create,
    criterion_grade_record,
    model_grader_register,
)
from tests.factories import PhysicianFactory, SampleFactory, UserFactory


@pytest.fixture
def graded(project, cardiologist, second_cardiologist, lead):
    judge = model_grader_register(name="judge", version="1", actor=None)
    doctors = [cardiologist.user, second_cardiologist.user, lead.user]
    # (physician votes, model decision, axis)
    plan = [
        ([True, True, False], True, "accuracy"),
        ([False, False, False], False, "accuracy"),
        ([True, True, True], False, "completeness"),
        ([False, False, True], True, "completeness"),
        ([True, True, True], True, "accuracy"),
        ([False, False, False], False, "completeness"),
    ]
    for i, (votes, model, axis) in enumerate(plan):
        sample = SampleFactory(
            project=project,
            external_id=f"s{i}",
            metadata={"healthbench": {"example_tags": [f"theme:t{i % 2}"]}},
        )
        c = criterion_create(
            sample=sample,
            text=f"criterion {i}",
            points=5,
            axis=axis,
            status="validated",
            actor=None,
        )
        for doctor, vote in zip(doctors, votes, strict=True):
            criterion_grade_record(criterion=c, met=vote, physician=doctor, actor=doctor)
        criterion_grade_record(criterion=c, met=model, model_grader=judge, actor=None)
    return plan


def _admin_client(project):
    user = UserFactory()
    project.admins.add(user)
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_meta_evaluation_matches_scikit_learn(project, graded):
    client = _admin_client(project)
    body = client.get(
        f"/api/projects/{project.slug}/criteria/meta-evaluation/", {"grader": "judge@1"}
    ).json()
    y_true = [sum(v) >= 2 for v, _, _ in graded]
    y_pred = [m for _, m, _ in graded]
    assert body["overall"]["model_f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert body["overall"]["criteria"] == 6
    acc = [(sum(v) >= 2, m) for v, m, a in graded if a == "accuracy"]
    t, p = zip(*acc, strict=True)
    assert body["groups"]["axis:accuracy"]["model_f1"] == pytest.approx(
        f1_score(t, p, average="macro")
    )
    assert set(body["groups"]) == {"axis:accuracy", "axis:completeness", "theme:t0", "theme:t1"}
    assert body["overall"]["physician_f1"] is not None


def test_unknown_grader_is_a_404_and_outsiders_see_nothing(project, graded, outsider):
    client = _admin_client(project)
    url = f"/api/projects/{project.slug}/criteria/meta-evaluation/"
    assert client.get(url, {"grader": "ghost@1"}).status_code == 404
    other = APIClient()
    other.force_authenticate(PhysicianFactory().user)
    assert other.get(url, {"grader": "judge@1"}).status_code == 403


def test_score_by_physicians_and_by_model(project, graded):
    client = _admin_client(project)
    url = f"/api/projects/{project.slug}/criteria/score/"
    physicians = client.get(url).json()
    # majority met: s0 yes, s1 no, s2 yes, s3 no, s4 yes, s5 no -> scores 1,0,1,0,1,0
    assert physicians["overall"] == pytest.approx(0.5)
    model = client.get(url, {"grader": "judge@1"}).json()
    # model met: s0, s3, s4 -> 3 of 6
    assert model["overall"] == pytest.approx(0.5)
    assert model["by_axis"]["completeness"] == pytest.approx(1 / 3)
