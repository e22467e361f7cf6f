"""`kind: rubric_authoring` in the project file, with its validation settings."""

import pytest

from core.errors import DomainError
from curation.projects.services import project_load

BASE = {
    "slug": "hb-authoring",
    "name": "HealthBench-style criteria",
    "rubric": {"name": "Unused", "criteria": [{"key": "ok", "label": "OK", "kind": "binary"}]},
}


def test_rubric_authoring_project_loads_with_its_settings(db):
    data = {**BASE, "kind": "rubric_authoring", "criteria_validators": 3, "criteria_agree_share": 1}
    project = project_load(data=data, actor=None).project
    project.refresh_from_db()
    assert (project.kind, project.criteria_validators, project.criteria_agree_share) == (
        "rubric_authoring",
        3,
        1.0,
    )


def test_unknown_kind_and_bad_settings_are_named(db):
    data = {**BASE, "kind": "essay", "criteria_validators": 0, "criteria_agree_share": 1.5}
    with pytest.raises(DomainError) as exc:
        project_load(data=data, actor=None)
    assert {d.field for d in exc.value.details} == {
        "kind",
        "criteria_validators",
        "criteria_agree_share",
    }
