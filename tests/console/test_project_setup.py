"""A project from its file or the rubric builder, the preview, and the sample upload page."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEvent
from curation.models import Project

pytestmark = pytest.mark.django_db

PROJECT_YAML = """\
slug: sepsis-triage
name: Sepsis triage
overlap: 2
rubric:
  name: Sepsis rubric
  criteria:
    - key: recognises_sepsis
      label: Recognises sepsis
      kind: binary
    - key: completeness
      label: Complete
      kind: ordinal
      min: 1
      max: 5
"""

BAD_YAML = """\
slug: sepsis-triage
name: Sepsis triage
rubric:
  name: Sepsis rubric
  criteria:
    - key: recognises_sepsis
      label: Recognises sepsis
      kind: binary
    - key: completeness
      label: Complete
      kind: ordinal
      min: 5
      max: 1
"""

BUILT = {
    "slug": "built",
    "name": "Built here",
    "overlap": 3,
    "rubric": {
        "name": "Built rubric",
        "criteria": [
            {"key": "safe", "label": "Safe", "kind": "binary", "allow_na": True},
            {"key": "tone", "label": "Tone", "kind": "nominal", "choices": ["warm", "cold"]},
            {"key": "red_flags", "label": "Red flags", "kind": "points", "points": 8},
            {
                "key": "complete",
                "label": "Complete",
                "kind": "ordinal",
                "min": 1,
                "max": 3,
                "labels": {"1": "Misses essentials", "3": "Nothing missing"},
            },
        ],
    },
}


def test_staff_load_an_uploaded_project_file(client, admin):
    client.force_login(admin)
    upload = SimpleUploadedFile("sepsis.yaml", PROJECT_YAML.encode(), "text/yaml")
    response = client.post(reverse("console-project-new"), {"source": "file", "file": upload})
    assert response.status_code == 302
    assert response.url == reverse("console-project", args=["sepsis-triage"])
    project = Project.objects.get(slug="sepsis-triage")
    assert project.overlap == 2
    assert [c.key for c in project.rubric.criteria.order_by("position")] == [
        "recognises_sepsis",
        "completeness",
    ]
    assert AuditEvent.objects.get(action="project.created").actor_id == admin.pk


def test_a_pasted_file_with_errors_names_the_line_and_writes_nothing(client, admin):
    client.force_login(admin)
    response = client.post(reverse("console-project-new"), {"source": "file", "document": BAD_YAML})
    assert response.status_code == 400
    errors = response.context["errors"]
    assert errors == [
        "pasted project file:13 rubric.criteria[1].max: must be greater than min (5), got 1"
    ]
    assert not Project.objects.filter(slug="sepsis-triage").exists()


def test_the_builder_document_makes_every_kind_of_criterion(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("console-project-new"), {"source": "builder", "document": json.dumps(BUILT)}
    )
    assert response.status_code == 302
    criteria = Project.objects.get(slug="built").rubric.criteria.order_by("position")
    assert [(c.key, c.kind) for c in criteria] == [
        ("safe", "binary"),
        ("tone", "nominal"),
        ("red_flags", "points"),
        ("complete", "ordinal"),
    ]
    assert criteria[3].labels == {"1": "Misses essentials", "3": "Nothing missing"}


def test_preview_shows_the_reviewers_rubric_and_writes_nothing(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("console-project-preview"), json.dumps(BUILT), content_type="application/json"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "1. Safe" in page and "Not applicable" in page
    assert "Met (+8 points)" in page and "Warm" in page and "1 · Misses essentials" in page
    assert not Project.objects.filter(slug="built").exists()
    bad = dict(BUILT, rubric={"name": "x", "criteria": [{"key": "a", "label": "A"}]})
    response = client.post(
        reverse("console-project-preview"), json.dumps(bad), content_type="application/json"
    )
    assert response.status_code == 400
    assert "rubric.criteria[0].kind: is required" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("reviewer", 403), ("lead", 403), ("project_admin", 403), ("staff", 200)],
)
def test_only_staff_create_projects(
    client, role, expected, cardiologist, lead, project_admin, admin
):
    users = {"reviewer": cardiologist.user, "lead": lead.user, "project_admin": project_admin}
    users["staff"] = admin
    if role in users:
        client.force_login(users[role])
    assert client.get(reverse("console-project-new")).status_code == expected
    response = client.post(reverse("console-project-new"), {"document": PROJECT_YAML})
    assert Project.objects.filter(slug="sepsis-triage").exists() == (role == "staff")
    assert response.status_code == (302 if role == "staff" else expected)


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("reviewer", 403), ("lead", 403), ("project_admin", 200), ("staff", 200)],
)
def test_upload_page_is_for_staff_and_the_projects_admins(
    client, role, expected, project, cardiologist, lead, project_admin, admin, other_project
):
    users = {"reviewer": cardiologist.user, "lead": lead.user, "project_admin": project_admin}
    users["staff"] = admin
    if role in users:
        client.force_login(users[role])
    response = client.get(reverse("console-samples-upload", args=[project.slug]))
    assert response.status_code == expected
    if expected == 200:
        assert reverse("api-samples-import", args=[project.slug]) in response.content.decode()
    if role == "project_admin":
        other = client.get(reverse("console-samples-upload", args=[other_project.slug]))
        assert other.status_code == 404
