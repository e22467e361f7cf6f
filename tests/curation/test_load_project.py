"""load_project: a project and its versioned rubric from a YAML or JSON file."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.errors import DomainError
from core.models import AuditEvent
from curation.models import Assignment, Criterion, Project, Review, Rubric
from curation.projects.services import project_load
from tests.factories import SampleFactory

PROJECT_YAML = """\
slug: triage
name: Chest pain triage
guidelines: |
  Grade the answer as a cautious clinician would.
overlap: 3
specialty_match: true
gold_rate: 0.1
cohorts: [cardio-panel]
rubric:
  name: Triage quality
  criteria:
    - key: accurate
      label: Medically accurate
      kind: binary
      axis: accuracy
    - key: complete
      label: Complete
      kind: ordinal
      min: 1
      max: 5
      labels: {1: Missing essentials, 5: Complete}
      axis: completeness
    - key: urgency
      label: Urgency conveyed
      kind: nominal
      choices: [emergency, urgent, routine]
      axis: safety
    - key: red_flags
      label: Identifies red flags
      kind: points
      points: 8
      axis: safety
      allow_na: true
"""


@pytest.fixture
def project_file(tmp_path, cohort):
    path = tmp_path / "project.yaml"
    path.write_text(PROJECT_YAML)
    return path


def load(path, **kwargs) -> str:
    out = io.StringIO()
    call_command("load_project", str(path), stdout=out, **kwargs)
    return out.getvalue()


def load_fails(path) -> list[str]:
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load_project", str(path), stderr=err)
    return err.getvalue().strip().splitlines()


def write(tmp_path, text: str, name: str = "project.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_load_creates_project_rubric_and_criteria_of_every_kind(project_file, cohort):
    output = load(project_file)

    project = Project.objects.get(slug="triage")
    assert output.strip() == "Project triage created; rubric triage v1 created."
    assert project.name == "Chest pain triage"
    assert project.guidelines.startswith("Grade the answer")
    assert (project.overlap, project.specialty_match, project.gold_rate) == (3, True, 0.1)
    assert list(project.cohorts.all()) == [cohort]
    assert (project.rubric.family, project.rubric.version) == ("triage", 1)
    criteria = list(project.rubric.criteria.all())
    assert [(c.key, c.kind) for c in criteria] == [
        ("accurate", "binary"),
        ("complete", "ordinal"),
        ("urgency", "nominal"),
        ("red_flags", "points"),
    ]
    assert criteria[1].labels == {"1": "Missing essentials", "5": "Complete"}
    assert (criteria[1].min_value, criteria[1].max_value) == (1, 5)
    assert criteria[2].choices == ["emergency", "urgent", "routine"]
    assert (criteria[3].points, criteria[3].allow_na) == (8, True)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert actions == {"project.created", "rubric.version_created"}


def test_reloading_an_unchanged_file_changes_nothing(project_file):
    load(project_file)
    events = AuditEvent.objects.count()
    rubric = Project.objects.get(slug="triage").rubric

    output = load(project_file)

    assert output.strip() == "Project triage unchanged; rubric triage v1 unchanged."
    assert AuditEvent.objects.count() == events
    assert Rubric.objects.count() == 1
    assert Project.objects.get(slug="triage").rubric == rubric


def test_json_project_file_loads_like_yaml(tmp_path, project_file):
    import yaml

    path = write(tmp_path, json.dumps(yaml.safe_load(PROJECT_YAML), indent=2), "project.json")
    load(path)
    assert Project.objects.get(slug="triage").rubric.criteria.count() == 4


def test_changed_rubric_without_reviews_is_updated_in_place(tmp_path, project_file):
    load(project_file)
    path = write(tmp_path, PROJECT_YAML.replace("label: Complete", "label: Completeness"))

    output = load(path)

    assert "rubric triage v1 updated" in output
    rubric = Rubric.objects.get()
    assert rubric.criteria.get(key="complete").label == "Completeness"
    assert AuditEvent.objects.filter(action="rubric.updated").count() == 1


def test_changed_rubric_with_reviews_gets_a_new_version(tmp_path, project_file, cardiologist):
    load(project_file)
    project = Project.objects.get(slug="triage")
    v1 = project.rubric
    sample = SampleFactory(project=project)
    Review.objects.create(
        project=project, sample=sample, reviewer=cardiologist.user, rubric=v1,
        grades={"accurate": True}, verdict="accept", submitted_at=timezone.now(),
    )  # fmt: skip
    path = write(tmp_path, PROJECT_YAML.replace("points: 8", "points: 6"))

    output = load(path)

    project.refresh_from_db()
    assert "rubric triage v2 created" in output
    assert (project.rubric.family, project.rubric.version) == ("triage", 2)
    assert project.rubric.criteria.get(key="red_flags").points == 6
    assert v1.criteria.get(key="red_flags").points == 8  # the frozen version is untouched
    event = AuditEvent.objects.get(action="project.updated")
    assert event.before == {"rubric": "triage v1"} and event.after == {"rubric": "triage v2"}
    assert load(path).strip() == "Project triage unchanged; rubric triage v2 unchanged."


def test_changing_overlap_reslots_open_samples(tmp_path, project_file, cardiologist):
    load(project_file)
    project = Project.objects.get(slug="triage")
    fresh = SampleFactory(project=project, slots_open=3)
    leased = SampleFactory(project=project, slots_open=1, reviews_done=1)
    now = timezone.now()
    Assignment.objects.create(
        project=project, sample=leased, reviewer=cardiologist.user, served_at=now,
        expires_at=now + timedelta(minutes=30),
    )  # fmt: skip
    path = write(tmp_path, PROJECT_YAML.replace("overlap: 3", "overlap: 5"))

    output = load(path)

    fresh.refresh_from_db()
    leased.refresh_from_db()
    assert (fresh.slots_open, leased.slots_open) == (5, 3)
    assert "changed: overlap" in output and "2 open samples re-slotted" in output
    path.write_text(PROJECT_YAML.replace("overlap: 3", "overlap: 1"))
    load(path)
    leased.refresh_from_db()
    assert leased.slots_open == 0


AXES = "accuracy, completeness, communication, context_awareness, safety, reasoning_efficiency"
TOP = (
    "allow_ties, axes, cohorts, consensus_threshold, criteria_agree_share, criteria_validators, "
    "gold_rate, guidelines, image_hosts, kind, lease_minutes, name, overlap, rubric, slug, "
    "specialty_match, status"
)
BAD_FILES = [
    ("max: 5", "max: 1", "20 rubric.criteria[1].max: must be greater than min (1), got 1"),
    (
        "kind: nominal",
        "kind: scale",
        "25 rubric.criteria[2].kind: must be binary, ordinal, nominal or points, got 'scale'",
    ),
    (
        "points: 8",
        "points: 0",
        "31 rubric.criteria[3].points: must not be 0 (use -10..-1 or 1..10)",
    ),
    ("points: 8", "points: 12", "31 rubric.criteria[3].points: must be from -10 to 10, got 12"),
    ("[cardio-panel]", "[cardio-panel, nowhere]", "8 cohorts[1]: no cohort with slug 'nowhere'"),
    (
        "key: urgency",
        "key: accurate",
        "23 rubric.criteria[2].key: 'accurate' is used by an earlier criterion",
    ),
    ("overlap: 3", "overlap: three", "5 overlap: must be an integer, got text"),
    ("gold_rate: 0.1", "gold_rate: 1.5", "7 gold_rate: must be from 0 to 1, got 1.5"),
    (
        "axis: safety\n    - key: red",
        "axis: danger\n    - key: red",
        f"27 rubric.criteria[2].axis: must be one of {AXES}, got 'danger'",
    ),
    (
        "      allow_na: true",
        "      allow_na: true\n      min: 1",
        "34 rubric.criteria[3].min: applies only to ordinal criteria, not points",
    ),
    (
        "gold_rate: 0.1",
        "gold_rate: 0.1\ncolour: blue",
        f"8 colour: is not a known field; expected one of {TOP}",
    ),
    (
        "      choices: [emergency, urgent, routine]\n",
        "",
        "23 rubric.criteria[2].choices: must be a list of at least two choices",
    ),
    ("name: Chest pain triage\n", "", "1 name: is required"),
    ("overlap: 3", "overlap: 3\noverlap: 4", "6 overlap: is given twice"),
    (
        "cohorts: [cardio-panel]",
        "cohorts: [cardio-panel",
        "9: is not valid YAML: expected ',' or ']', but got ':'",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), BAD_FILES)
def test_bad_project_file_names_file_line_and_field_and_writes_nothing(
    tmp_path, cohort, old, new, expected
):
    path = write(tmp_path, PROJECT_YAML.replace(old, new))

    lines = load_fails(path)

    assert lines == [f"{path}:{expected}"]
    assert not Project.objects.exists() and not Rubric.objects.exists()
    assert not AuditEvent.objects.exists()


def test_every_problem_is_listed_at_once(tmp_path, cohort):
    text = PROJECT_YAML.replace("max: 5", "max: 0").replace("points: 8", "points: 0")
    lines = load_fails(write(tmp_path, text.replace("slug: triage", "slug: tri age")))
    assert [line.split(" ", 1)[1] for line in lines] == [
        "slug: must be letters, digits, - or _, got 'tri age'",
        "rubric.criteria[1].max: must be greater than min (1), got 0",
        "rubric.criteria[3].points: must not be 0 (use -10..-1 or 1..10)",
    ]


def test_broken_json_reports_its_line(tmp_path, cohort):
    path = write(tmp_path, '{\n  "slug": "triage",\n  "name": \n}\n', "project.json")
    assert load_fails(path) == [
        f"{path}:4: is not valid JSON: unexpected character, expected a JSON value: "
        "line 4 column 1 (char 33)",
    ]


def test_rubric_family_can_be_shared_across_projects(tmp_path, cohort):
    load(
        write(
            tmp_path,
            PROJECT_YAML.replace(
                "name: Triage quality", "name: Triage quality\n  family: clinical"
            ),
        )
    )
    other = PROJECT_YAML.replace("slug: triage", "slug: triage-2").replace(
        "name: Triage quality", "name: Triage quality\n  family: clinical"
    )
    load(write(tmp_path, other, "other.yaml"))
    assert Rubric.objects.get().family == "clinical"
    assert Project.objects.filter(rubric__family="clinical").count() == 2


def test_service_rejects_a_mapping_without_a_rubric(db, admin):
    with pytest.raises(DomainError) as exc:
        project_load(data={"slug": "x", "name": "X"}, actor=admin, filename="api")
    assert str(exc.value) == "api rubric: is required: an object with name and criteria"
    assert Criterion.objects.count() == 0


def test_project_load_is_audited_with_the_actor(project_file, admin):
    project_load(data=project_file.read_bytes(), actor=admin, filename="project.yaml")
    event = AuditEvent.objects.get(action="project.created")
    assert event.actor == admin
    assert event.after["cohorts"] == ["cardio-panel"]


def test_admin_loads_a_project_file_through_the_upload_page(client, admin, cohort):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin)
    assert b"Load project file" in client.get("/admin/curation/project/").content
    assert client.get("/admin/curation/project/load/").status_code == 200

    upload = SimpleUploadedFile("triage.yaml", PROJECT_YAML.encode())
    response = client.post("/admin/curation/project/load/", {"file": upload}, follow=True)

    project = Project.objects.get(slug="triage")
    assert response.redirect_chain[-1][0] == f"/admin/curation/project/{project.pk}/change/"
    assert "Project triage created; rubric triage v1 created." in response.content.decode()
    assert AuditEvent.objects.get(action="project.created").actor == admin


def test_admin_upload_page_lists_errors_with_line_and_field_and_writes_nothing(
    client, admin, cohort
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin)
    bad = PROJECT_YAML.replace("max: 5", "max: 1").replace("points: 8", "points: 0")
    upload = SimpleUploadedFile("triage.yaml", bad.encode())

    response = client.post("/admin/curation/project/load/", {"file": upload})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<td>20</td><td>rubric.criteria[1].max</td>" in html
    assert "must be greater than min (1), got 1" in html
    assert "<td>31</td><td>rubric.criteria[3].points</td>" in html
    assert "Nothing was written." in html
    assert not Project.objects.exists()


def test_only_staff_reach_the_admin_upload_page(client, cardiologist):
    client.force_login(cardiologist.user)
    response = client.get("/admin/curation/project/load/")
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_json_errors_name_the_line_of_the_field(tmp_path, cohort):
    import yaml

    data = yaml.safe_load(PROJECT_YAML)
    data["rubric"]["criteria"][1]["max"] = 0
    path = write(tmp_path, json.dumps(data, indent=2), "project.json")
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if '"max": 0' in text)
    assert load_fails(path) == [
        f"{path}:{line} rubric.criteria[1].max: must be greater than min (1), got 0"
    ]


def test_image_hosts_are_read_from_the_project_file_and_checked(tmp_path, cohort):
    from curation.models import Project

    good = write(tmp_path, PROJECT_YAML + "image_hosts: [Images.Example.org, pacs.example.net]\n")
    load(good)
    assert Project.objects.get().image_hosts == ["images.example.org", "pacs.example.net"]
    bad = write(tmp_path, PROJECT_YAML + "image_hosts: ['https://x.org/', '*.x.org']\n", "b.yaml")
    errors = load_fails(bad)
    assert any("image_hosts[0]" in line and "host name" in line for line in errors), errors
    assert any("image_hosts[1]" in line for line in errors), errors
