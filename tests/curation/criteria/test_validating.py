"""Validation by k other physicians; disputes go to a lead; pages write through the services."""

import pytest
from django.test import Client

from core.errors import DomainError
from curation.criteria.services import criterion_create
from curation.criteria.validating import criterion_resolve, criterion_validate
from curation.models import CriterionValidation, SampleCriterion
from tests.factories import SampleFactory


@pytest.fixture
def criterion(project, cardiologist):
    project.criteria_validators = 2
    project.criteria_agree_share = 0.6
    project.save()
    sample = SampleFactory(project=project, external_id="s-1")
    return criterion_create(
        sample=sample,
        text="Advises calling 911.",
        points=9,
        axis="accuracy",
        actor=cardiologist.user,
    )


def test_kept_when_the_share_agrees(criterion, second_cardiologist, lead):
    criterion_validate(criterion=criterion, validator=second_cardiologist.user, decision="agree")
    criterion.refresh_from_db()
    assert criterion.status == "proposed"  # one of two
    criterion_validate(criterion=criterion, validator=lead.user, decision="agree")
    criterion.refresh_from_db()
    assert criterion.status == "validated"
    assert [e.action for e in criterion.edits.all()] == ["create", "status:validated"]


def test_an_edit_request_counts_against_and_disputes(criterion, second_cardiologist, lead):
    criterion_validate(criterion=criterion, validator=second_cardiologist.user, decision="agree")
    criterion_validate(
        criterion=criterion,
        validator=lead.user,
        decision="edit",
        suggested_text="Advises calling emergency services now.",
    )
    criterion.refresh_from_db()
    assert criterion.status == "disputed"  # 1 of 2 agree < 0.6
    criterion_resolve(
        criterion=criterion,
        actor=lead.user,
        decision="edit",
        text="Advises calling emergency services now.",
    )
    criterion.refresh_from_db()
    assert (criterion.status, criterion.revision) == ("validated", 2)
    assert criterion.text == "Advises calling emergency services now."
    assert [e.action for e in criterion.edits.all()] == [
        "create",
        "status:disputed",
        "edit",
        "status:validated",
    ]


def test_author_cannot_validate_own_and_nobody_twice(criterion, cardiologist, second_cardiologist):
    with pytest.raises(DomainError):
        criterion_validate(criterion=criterion, validator=cardiologist.user, decision="agree")
    criterion_validate(criterion=criterion, validator=second_cardiologist.user, decision="disagree")
    with pytest.raises(DomainError):
        criterion_validate(
            criterion=criterion, validator=second_cardiologist.user, decision="agree"
        )
    with pytest.raises(DomainError):
        criterion_validate(criterion=criterion, validator=second_cardiologist.user, decision="edit")
    assert CriterionValidation.objects.count() == 1


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def test_write_page_adds_a_criterion_and_warns_on_joined_checks(project, cardiologist):
    SampleFactory(project=project, external_id="s-9")
    client = _client(cardiologist.user)
    url = f"/projects/{project.slug}/criteria/write/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "sample": "s-9",
            "text": "Mentions aspirin; and advises rest",
            "points": "4",
            "axis": "completeness",
            "level": "example",
            "tags": "",
        },
        follow=True,
    )
    assert "two checks" in response.content.decode()
    c = SampleCriterion.objects.get()
    assert (c.points, c.axis, c.status, c.author) == (
        4,
        "completeness",
        "proposed",
        cardiologist.user,
    )
    bad = client.post(url, {"sample": "s-9", "text": "x", "points": "0", "axis": "accuracy"})
    assert bad.status_code == 400
    assert SampleCriterion.objects.count() == 1


def test_validate_page_by_another_physician(criterion, second_cardiologist, outsider):
    url = f"/projects/{criterion.sample.project.slug}/criteria/validate/"
    client = _client(second_cardiologist.user)
    page = client.get(url)
    assert criterion.text in page.content.decode()
    client.post(url, {"criterion": criterion.pk, "decision": "agree"})
    assert CriterionValidation.objects.get().decision == "agree"
    assert _client(outsider.user).get(url).status_code == 404


def test_lead_settles_a_disputed_criterion_on_the_page(criterion, second_cardiologist, lead):
    for doctor in (second_cardiologist, lead):
        criterion_validate(criterion=criterion, validator=doctor.user, decision="disagree")
    criterion.refresh_from_db()
    assert criterion.status == "disputed"
    page = _client(second_cardiologist.user).get("/criteria/disputed/")
    assert page.status_code == 403  # not a lead
    client = _client(lead.user)
    assert criterion.text in client.get("/criteria/disputed/").content.decode()
    client.post("/criteria/disputed/", {"criterion": criterion.pk, "decision": "reject"})
    criterion.refresh_from_db()
    assert criterion.status == "rejected"
    assert criterion.edits.last().actor == lead.user


def test_physician_grades_a_response_on_the_page(project, cardiologist):
    from curation.models import CriterionGrade

    sample = SampleFactory(project=project, external_id="g-1", answer="Call 911 now.")
    for i, points in enumerate([8, -5]):
        criterion_create(
            sample=sample,
            text=f"c{i}",
            points=points,
            axis="accuracy",
            status="validated",
            actor=None,
        )
    client = _client(cardiologist.user)
    url = f"/projects/{project.slug}/criteria/grade/"
    assert "Call 911 now." in client.get(url).content.decode()
    bad = client.post(url, {"sample": "g-1"})
    assert bad.status_code == 400  # no marks
    client.post(url, {"sample": "g-1", "met_0": "yes", "met_1": "no"})
    assert sorted(
        CriterionGrade.objects.filter(physician=cardiologist.user).values_list(
            "criterion__position", "met"
        )
    ) == [(0, True), (1, False)]
    assert "Nothing left to grade" in client.get(url).content.decode()


def test_home_links_the_criteria_pages_of_an_authoring_project(project, cardiologist):
    client = _client(cardiologist.user)
    write = f"/projects/{project.slug}/criteria/write/"
    assert write not in client.get("/").content.decode()
    project.kind = "rubric_authoring"
    project.save()
    assert write in client.get("/").content.decode()
