"""Criterion grades imported from a model grader or a physician; the rubric_grades export."""

import json

import pytest
from django.core.management import CommandError, call_command

from annotators.models import Physician
from curation.criteria.services import criterion_create, model_grader_register
from curation.models import CriterionGrade, Review
from tests.factories import SampleFactory


@pytest.fixture
def sample(project, cardiologist):
    s = SampleFactory(project=project, external_id="s-1")
    for text, points in [("Advises calling emergency services.", 10), ("Suggests waiting.", -8)]:
        criterion_create(
            sample=s, text=text, points=points, axis="accuracy", status="validated", actor=None
        )
    return s


def _file(tmp_path, lines):
    path = tmp_path / "grades.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


def test_model_grader_grades_import_without_a_physician_account(project, sample, tmp_path):
    model_grader_register(name="judge", version="2025-05", actor=None)
    physicians = Physician.objects.count()
    lines = [
        {
            "sample_id": "s-1",
            "grader": {"model": "judge@2025-05"},
            "criteria": [
                {"criterion": 0, "met": True, "explanation": "Says call 911."},
                {"criterion": "Suggests waiting.", "criteria_met": False},
            ],
        }
    ]
    call_command("import_reviews", str(_file(tmp_path, lines)), project=project.slug)
    grades = {
        (g.criterion.position, g.met, g.model_grader.name)
        for g in CriterionGrade.objects.select_related("criterion", "model_grader")
    }
    assert grades == {(0, True, "judge"), (1, False, "judge")}
    assert Physician.objects.count() == physicians
    assert not Review.objects.exists()
    # again: nothing changes
    call_command("import_reviews", str(_file(tmp_path, lines)), project=project.slug)
    assert CriterionGrade.objects.count() == 2


def test_unregistered_grader_and_unknown_criterion_fail_the_whole_file(
    project, sample, cardiologist, tmp_path
):
    lines = [
        {
            "sample_id": "s-1",
            "grader": {"physician": cardiologist.user.email},
            "criteria": [{"criterion": 0, "met": True}],
        },
        {
            "sample_id": "s-1",
            "grader": {"model": "ghost@1"},
            "criteria": [{"criterion": 0, "met": True}],
        },
        {
            "sample_id": "s-1",
            "grader": {"physician": cardiologist.user.email.upper()},
            "criteria": [{"criterion": 7, "met": True}],
        },
    ]
    with pytest.raises(CommandError):
        call_command("import_reviews", str(_file(tmp_path, lines)), project=project.slug)
    assert not CriterionGrade.objects.exists()


def test_physician_grades_import_and_export_as_rubric_grades(
    project, sample, cardiologist, tmp_path
):
    model_grader_register(name="judge", version="2", actor=None)
    lines = [
        {
            "sample_id": "s-1",
            "grader": {"physician": cardiologist.user.email},
            "criteria": [{"criterion": 0, "met": True}, {"criterion": 1, "met": True}],
        },
        {
            "sample_id": "s-1",
            "grader": {"model": "judge@2"},
            "criteria": [{"criterion": 0, "met": False, "explanation": "no referral"}],
        },
    ]
    call_command("import_reviews", str(_file(tmp_path, lines)), project=project.slug)
    out = tmp_path / "grades-out.jsonl"
    call_command("export_dataset", project=project.slug, format="rubric_grades", out=out)
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [(r["criterion_position"], r["grader"], r["criteria_met"]) for r in rows] == [
        (0, {"physician": cardiologist.user.email}, True),
        (0, {"model": "judge@2"}, False),
        (1, {"physician": cardiologist.user.email}, True),
    ]
    assert rows[1]["tags"] == ["level:example", "axis:accuracy"]
    assert rows[1]["points"] == 10 and rows[1]["explanation"] == "no referral"


def test_register_model_grader_command(db):
    call_command("register_model_grader", "judge@2025-05-01")
    with pytest.raises(CommandError):
        call_command("register_model_grader", "no-version")


def test_model_grader_reviews_on_the_project_rubric_without_a_physician_account(
    project, cardiologist, second_cardiologist, tmp_path
):
    from curation.agreement.services import agreement_compute
    from tests.curation.workflow_helpers import grades

    SampleFactory(project=project, external_id="r-1")
    grader = model_grader_register(name="judge", version="4", actor=None)
    physicians = Physician.objects.count()
    lines = [
        {
            "sample_id": "r-1",
            "grader": {"model": "judge@4"},
            "grades": grades(),
            "verdict": "accept",
        },
        {
            "sample_id": "r-1",
            "physician": cardiologist.user.email,
            "grades": grades(),
            "verdict": "accept",
        },
        {
            "sample_id": "r-1",
            "physician": second_cardiologist.user.email,
            "grades": grades(),
            "verdict": "accept",
        },
    ]
    call_command("import_reviews", str(_file(tmp_path, lines)), project=project.slug)
    review = Review.objects.get(reviewer=grader.user)
    assert review.is_model and review.source == "import"
    assert Physician.objects.count() == physicians
    assert not grader.user.is_active and not grader.user.has_usable_password()
    # the model's review is not one of the physicians' k
    assert Review.objects.filter(is_model=False).count() == 2
    agreement_compute(project=project, method="majority")
    # a second import of the same file changes nothing
    call_command("import_reviews", str(_file(tmp_path, lines)), project=project.slug)
    assert Review.objects.count() == 3
