"""`labelstudio_import FILE --project SLUG`: a Label Studio JSON export lands as reviews."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from core.models import AuditEvent
from curation.labelstudio.mapping import review_to_result
from curation.models import Review
from tests.factories import SampleFactory

pytestmark = pytest.mark.django_db

GOOD = {"accurate": True, "completeness": 4, "urgency": "emergent", "advises_er": True}


def annotation(ann_id, completed_by, criteria, *, verdict="accept", grades=GOOD, **text):
    return {
        "id": ann_id,
        "completed_by": completed_by,
        "result": review_to_result(criteria=criteria, grades=grades, verdict=verdict, **text),
        "was_cancelled": False,
        "created_at": "2025-03-01T10:00:00.000000Z",
        "updated_at": "2025-03-01T10:05:00.000000Z",
    }


@pytest.fixture
def export(tmp_path, project, cardiologist, second_cardiologist):
    criteria = list(project.rubric.criteria.order_by("position"))
    pushed, migrated, orphan = (SampleFactory(project=project) for _ in range(3))
    tasks = [
        {  # a task Rounds pushed: the sample id is in meta
            "id": 101,
            "data": {"rounds_sample_id": pushed.pk, "answer": "..."},
            "meta": {"rounds_sample_id": pushed.pk},
            "annotations": [
                annotation(9001, 1, criteria),  # alice, by user id
                annotation(  # bob, as older exports write it
                    9002,
                    {"id": 2, "email": "BOB@rounds.test"},
                    criteria,
                    verdict="revise",
                    corrected_answer="Call emergency services now.",
                    rationale="Too slow.",
                ),
            ],
        },
        {  # a lab's own task: matched by the external id in its data
            "id": 102,
            "data": {"case": migrated.external_id, "answer": "..."},
            "annotations": [
                annotation(9003, 1, criteria, grades={**GOOD, "completeness": 9}),
                annotation(9004, 2, criteria, verdict="reject"),  # no rationale
                annotation(9005, 7, criteria),  # nobody Rounds knows
                {**annotation(9006, 1, criteria), "id": 9006, "was_cancelled": True},
            ],
        },
        {
            "id": 103,
            "data": {"case": "not-in-rounds"},
            "annotations": [annotation(9007, 1, criteria)],
        },
    ]
    path = tmp_path / "project-7-at-2025-03-02.json"
    path.write_text(json.dumps(tasks))
    return {"path": path, "pushed": pushed, "migrated": migrated, "orphan": orphan}


def run(export, project, *extra):
    call_command(
        "labelstudio_import",
        str(export["path"]),
        "--project",
        project.slug,
        "--json",
        "--id-field",
        "case",
        "--annotator",
        "1=alice@rounds.test",
        "--annotator",
        "2=bob@rounds.test",
        "--annotator",
        "7=zed@elsewhere.test",
        *extra,
        stdout=(out := io.StringIO()),
        stderr=io.StringIO(),
    )
    return json.loads(out.getvalue())


def test_export_lands_as_reviews_and_problems_are_reported(
    export, project, cardiologist, second_cardiologist
):
    report = run(export, project)

    assert report["created"] == 2
    assert report["skipped"] == 1
    alice = Review.objects.get(sample=export["pushed"], reviewer=cardiologist.user)
    assert (alice.grades, alice.verdict, alice.source, alice.external_ref) == (
        GOOD,
        "accept",
        "labelstudio",
        "9001",
    )
    bob = Review.objects.get(sample=export["pushed"], reviewer=second_cardiologist.user)
    assert bob.verdict == "revise"
    assert bob.corrected_answer == "Call emergency services now."
    assert bob.rationale == "Too slow."
    rejected = {row["annotation"]: row for row in report["rejected"]}
    assert set(rejected) == {9003, 9004, 9007}
    assert rejected[9003]["task"] == 102
    assert "grades.completeness" in rejected[9003]["reason"]
    assert "rationale" in rejected[9004]["reason"]
    assert "matches no sample" in rejected[9007]["reason"]
    assert report["unknown_annotators"] == [{"annotator": "zed@elsewhere.test", "annotations": 1}]
    assert not Review.objects.filter(sample=export["migrated"]).exists()
    assert AuditEvent.objects.filter(action="labelstudio.import").count() == 1


def test_importing_the_same_export_again_changes_nothing(
    export, project, cardiologist, second_cardiologist
):
    run(export, project)
    again = run(export, project)
    assert (again["created"], again["amended"], again["unchanged"]) == (0, 0, 2)
    assert Review.objects.filter(project=project).count() == 2


def test_numeric_annotators_without_a_mapping_are_reported_not_guessed(
    export, project, cardiologist
):
    out = io.StringIO()
    call_command(
        "labelstudio_import",
        str(export["path"]),
        "--project",
        project.slug,
        "--json",
        stdout=out,
        stderr=io.StringIO(),
    )
    report = json.loads(out.getvalue())
    assert report["created"] == 1  # bob's annotation names his e-mail itself
    assert {"annotator": "user id 1", "annotations": 1} in report["unknown_annotators"]


def test_a_file_that_is_not_json_is_refused_with_its_line(tmp_path, project):
    bad = tmp_path / "export.json"
    bad.write_text('[\n{"id": 1,\n oops}\n]')
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command(
            "labelstudio_import",
            str(bad),
            "--project",
            project.slug,
            stderr=(err := io.StringIO()),
        )
    assert "export.json:3" in err.getvalue()
