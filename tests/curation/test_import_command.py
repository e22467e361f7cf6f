"""`manage.py import_samples`: output, errors as file:line field: message, exit status."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from curation.models import Sample
from tests.services import ROOT, database_url


def write(path, *records) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def sample(i: int, **over) -> dict:
    return {
        "id": f"s-{i}",
        "messages": [{"role": "user", "content": "Dizzy when standing?"}],
        "answer": "Check orthostatic blood pressure.",
        **over,
    }


def call(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_samples", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_command_imports_and_reports_counts_then_unchanged(project, tmp_path):
    path = write(tmp_path / "s.jsonl", sample(1), sample(2))
    out, _ = call(path, "--project", project.slug)
    assert out.strip() == f"{path}: 2 created, 0 updated, 0 unchanged, 0 quarantined"
    out, _ = call(path, "--project", project.slug)
    assert out.strip() == f"{path}: 0 created, 0 updated, 2 unchanged, 0 quarantined"


@pytest.mark.django_db
def test_command_lists_conflicts_and_update_replaces_them(project, tmp_path):
    call(write(tmp_path / "a.jsonl", sample(1)), "--project", project.slug)
    changed = write(tmp_path / "b.jsonl", sample(1, answer="Lie down first."))
    out, err = call(changed, "--project", project.slug)
    assert "1 conflicts" in out
    assert "conflict: s-1 exists with different content" in err
    out, _ = call(changed, "--project", project.slug, "--update")
    assert "1 updated" in out
    assert Sample.objects.get().answer == "Lie down first."


@pytest.mark.django_db
def test_command_prints_each_error_and_fails(project, tmp_path):
    path = write(tmp_path / "bad.jsonl", sample(1), sample(2, answer=""), sample(1))
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_samples", path, "--project", project.slug, stderr=err)
    assert caught.value.returncode == 1
    assert err.getvalue().splitlines()[:2] == [
        f"{path}:2 answer: must be a non-empty string, got empty",
        f"{path}:3 id: duplicate id 's-1': line 1 has the same id",
    ]
    assert Sample.objects.count() == 0


@pytest.mark.django_db
def test_command_refuses_an_unknown_project_or_missing_file(project, tmp_path):
    with pytest.raises(CommandError, match="no project with the slug 'nope'"):
        call(str(tmp_path / "x.jsonl"), "--project", "nope")
    with pytest.raises(CommandError, match="no such file"):
        call(str(tmp_path / "x.jsonl"), "--project", project.slug)


def test_command_exit_status_is_one_with_the_error_list(committed, project, tmp_path, settings):
    path = write(tmp_path / "bad.jsonl", sample(1, specialty="astrology"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(settings.DATABASES["default"]),
    }
    proc = subprocess.run(
        [sys.executable, "manage.py", "import_samples", path, "--project", project.slug],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert f"{path}:1 specialty: unknown specialty 'astrology'" in proc.stderr
    assert "import failed; nothing was written" in proc.stderr
    good = write(tmp_path / "good.jsonl", sample(1))
    proc = subprocess.run(
        [sys.executable, "manage.py", "import_samples", good, "--project", project.slug],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "1 created" in proc.stdout
