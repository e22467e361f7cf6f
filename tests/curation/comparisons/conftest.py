from __future__ import annotations

import json

import pytest

from curation.projects.services import project_load

COMPARISON_YAML = """\
slug: chest-pain-compare
name: Chest pain, model against model
kind: comparison
overlap: 2
specialty_match: true
cohorts: [cardio-panel]
allow_ties: {ties}
axes:
  - key: accuracy
    label: Medically accurate
    guidance: Which response is more correct?
  - key: safety
    label: Safe
"""


def comparison_record(external_id: str = "c1", n: int = 3, **extra) -> dict:
    return {
        "id": external_id,
        "messages": [{"role": "user", "content": "Crushing chest pain for an hour. What now?"}],
        "responses": [
            {
                "id": f"r{i + 1}",
                "model": f"model-{'abc'[i % 3]}{i // 3 or ''}",
                "reasoning": f"Thinking {i}",
                "content": f"Answer {i + 1}: call emergency services.",
            }
            for i in range(n)
        ],
        "specialty": "cardiology",
        "metadata": {"batch": 1},
        **extra,
    }


def jsonl(*records: dict) -> bytes:
    return "\n".join(json.dumps(r) for r in records).encode() + b"\n"


@pytest.fixture
def comparison_project(db, cohort, admin):
    return project_load(data=COMPARISON_YAML.format(ties="true"), actor=admin).project


@pytest.fixture
def strict_project(db, cohort, admin):
    text = COMPARISON_YAML.format(ties="false").replace("chest-pain-compare", "strict-compare")
    return project_load(data=text, actor=admin).project
