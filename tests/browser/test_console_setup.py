"""An admin sets a project up in Chromium: the rubric builder, a project file, a sample upload
with its progress bar, pipeline tokens; and a physician makes a personal API token."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from core.models import ApiToken
from curation.models import Project, Sample
from exports.models import PipelineToken
from tests.browser.test_admin_console import PASSWORD, SHOTS, console_nav, sign_in, submit
from tests.factories import PhysicianFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.browser

BAD_FILE = """\
slug: sepsis-triage
name: Sepsis triage
rubric:
  name: Sepsis rubric
  criteria:
    - key: recognises_sepsis
      label: Recognises sepsis
      kind: scale
"""
GOOD_FILE = BAD_FILE.replace("kind: scale", "kind: binary")


def sample(external_id: str, **extra) -> str:
    record = {
        "id": external_id,
        "messages": [{"role": "user", "content": f"Question {external_id}: is this chest pain?"}],
        "reasoning": "Exertional pain relieved by rest.",
        "answer": "See a doctor today.",
        "specialty": "cardiology",
        **extra,
    }
    return json.dumps(record)


def criterion(page, n: int):
    return page.locator("#criteria > li").nth(n - 1)


def fill_criterion(page, n: int, label: str, kind: str, **fields) -> None:
    page.get_by_role("button", name="Add criterion").click()
    item = criterion(page, n)
    item.get_by_label("Label", exact=True).fill(label)
    item.get_by_label("Kind", exact=True).select_option(kind)
    for name, value in fields.items():
        item.get_by_label(name, exact=True).fill(value)


def bearer(key: str, url: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client.get(url).status_code


def test_admin_builds_a_rubric_loads_a_file_uploads_samples_and_makes_tokens(
    committed, page, live_server
):
    UserFactory(username="admin@rounds.test", first_name="Ada", last_name="Admin", is_staff=True)
    sign_in(page, "admin@rounds.test", PASSWORD)
    page.get_by_role("link", name="Console").click()
    page.get_by_role("link", name="New project").click()

    # The builder: one criterion of each kind, one moved up, one removed; the preview follows.
    page.get_by_label("Project name").fill("Chest pain triage")
    page.get_by_label("Reviews per sample").fill("2")
    fill_criterion(page, 1, "Identifies red flags", "points", Points="8")
    fill_criterion(page, 2, "Medically accurate", "binary")
    criterion(page, 2).get_by_label("Not applicable allowed").check()
    fill_criterion(page, 3, "Complete", "ordinal", **{"Lowest score": "1", "Highest score": "3"})
    criterion(page, 3).get_by_label("Score labels").fill("1 = Misses essentials\n3 = Complete")
    fill_criterion(page, 4, "Tone", "nominal", **{"Choices, one a line": "warm\ncold"})
    fill_criterion(page, 5, "Tone", "binary")  # a second "tone": the server says no
    submit(page, "Create project")
    error = page.get_by_test_id("load-error").inner_text()
    assert "rubric.criteria[4].key: 'tone' is used by an earlier criterion" in error
    assert not Project.objects.exists()
    assert page.locator("#criteria > li").count() == 5  # the builder comes back as it was
    assert criterion(page, 4).get_by_label("Choices, one a line").input_value() == "warm\ncold"
    criterion(page, 5).get_by_role("button", name="Remove").click()
    criterion(page, 2).get_by_role("button", name="Move up").click()
    preview = page.get_by_test_id("preview")
    preview.get_by_text("4. Tone").wait_for()
    legends = preview.locator("legend").all_inner_texts()
    assert legends[:4] == [
        "1. Medically accurate",
        "2. Identifies red flags",
        "3. Complete",
        "4. Tone",
    ]
    assert preview.get_by_text("Met (+8 points)").is_visible()
    assert preview.get_by_text("1 · Misses essentials").is_visible()
    assert not Project.objects.filter(slug="chest-pain-triage").exists()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "console-rubric-builder.png"), full_page=True)
    submit(page, "Create project")
    assert page.url.endswith("/console/projects/chest-pain-triage/")
    assert "Project chest-pain-triage created" in page.inner_text(".messages")
    project = Project.objects.get(slug="chest-pain-triage")
    assert project.overlap == 2
    criteria = project.rubric.criteria.order_by("position")
    assert [(c.key, c.kind) for c in criteria] == [
        ("medically_accurate", "binary"),
        ("identifies_red_flags", "points"),
        ("complete", "ordinal"),
        ("tone", "nominal"),
    ]
    assert criteria[0].allow_na and criteria[1].points == 8
    assert criteria[2].labels == {"1": "Misses essentials", "3": "Complete"}
    assert criteria[3].choices == ["warm", "cold"]

    # A project file: the error names its line; the corrected file loads.
    console_nav(page, "Projects")
    page.get_by_role("link", name="New project").click()
    page.get_by_label("Project file (YAML or JSON)").set_input_files(
        files=[{"name": "sepsis.yaml", "mimeType": "text/yaml", "buffer": BAD_FILE.encode()}]
    )
    submit(page, "Load project file")
    error = page.get_by_test_id("load-error").inner_text()
    assert error.startswith("sepsis.yaml:8 rubric.criteria[0].kind: must be binary, ordinal")
    assert not Project.objects.filter(slug="sepsis-triage").exists()
    page.get_by_label("Or paste it").fill(GOOD_FILE)
    submit(page, "Load project file")
    assert page.url.endswith("/console/projects/sepsis-triage/")

    # Samples: a bad line is named and nothing is written; then the file goes in.
    page.goto("/console/projects/chest-pain-triage/")
    page.get_by_role("link", name="Upload samples").click()
    bad = "\n".join([sample("cp-1"), sample("cp-2", answer=""), sample("cp-3")]) + "\n"
    page.get_by_label("Samples file").set_input_files(
        files=[{"name": "batch.jsonl", "mimeType": "application/json", "buffer": bad.encode()}]
    )
    page.get_by_role("button", name="Upload").click()
    page.get_by_test_id("upload-error").first.wait_for()
    assert page.get_by_test_id("upload-error").first.inner_text().startswith("batch.jsonl:2 ")
    assert "Nothing was written" in page.get_by_test_id("upload-result").inner_text()
    assert not Sample.objects.filter(project=project).exists()
    good = "\n".join(sample(f"cp-{i}") for i in range(1, 201)) + "\n"
    page.get_by_label("Samples file").set_input_files(
        files=[{"name": "batch.jsonl", "mimeType": "application/json", "buffer": good.encode()}]
    )
    page.get_by_role("button", name="Upload").click()
    page.get_by_text("200 created, 0 updated, 0 unchanged").wait_for()
    assert page.locator("#upload-progress").get_attribute("value") == "100"
    assert page.get_by_test_id("upload-percent").inner_text() == "Done"
    assert Sample.objects.filter(project=project).count() == 200
    page.screenshot(path=str(SHOTS / "console-upload.png"), full_page=True)

    # A pipeline token for one project, expiring; its key shown once; then revoked.
    console_nav(page, "Pipeline tokens")
    page.get_by_label("Token name").fill("sft-nightly")
    page.get_by_label("Chest pain triage").check()
    page.get_by_label("Expires").select_option(label="In 30 days")
    submit(page, "Create pipeline token")
    key = page.get_by_test_id("new-key").input_value()
    assert key.startswith("rpl_")
    token = PipelineToken.objects.get(name="sft-nightly")
    assert list(token.projects.values_list("slug", flat=True)) == ["chest-pain-triage"]
    assert token.expires_at is not None
    assert bearer(key, "/api/exports/") == 200
    page.goto("/console/pipeline-tokens/")
    assert key not in page.content()
    assert PipelineToken.objects.count() == 1
    assert "ago" in page.get_by_test_id(f"token-{token.pk}").inner_text()  # last used
    with page.expect_navigation():
        page.get_by_role("button", name="Revoke sft-nightly").click()
    assert "is revoked" in page.inner_text(".messages")
    assert bearer(key, "/api/exports/") == 401


def test_a_physician_makes_uses_and_revokes_a_personal_token(committed, page, live_server):
    physician = PhysicianFactory(user__username="alice@rounds.test", specialties=["cardiology"])
    ProjectFactory(slug="chest-pain")
    sign_in(page, "alice@rounds.test", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API tokens").click()
    page.get_by_label("Token name").fill("evaluation notebook")
    page.get_by_label("Expires").select_option(label="In 90 days")
    submit(page, "Create token")
    key = page.get_by_test_id("new-key").input_value()
    assert key.startswith("rnd_")
    token = ApiToken.objects.get(user=physician.user)
    assert token.name == "evaluation notebook" and token.expires_at is not None
    assert bearer(key, "/api/projects/") == 200
    page.goto("/me/tokens/")
    row = page.get_by_test_id(f"token-{token.pk}")
    assert key not in page.content()
    assert "Active" in row.inner_text() and "ago" in row.inner_text()
    with page.expect_navigation():
        row.get_by_role("button", name="Revoke evaluation notebook").click()
    assert bearer(key, "/api/projects/") == 401
    assert "Revoked" in page.get_by_test_id(f"token-{token.pk}").inner_text()
