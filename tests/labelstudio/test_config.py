"""The labelling config generated from a rubric: one control per criterion, named by its key."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from core.errors import DomainError
from curation.labelstudio.config import label_config, task_payload
from curation.models import Criterion
from tests.factories import ProjectFactory, RubricFactory, SampleFactory


def _controls(xml: str) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    return {el.get("name"): el for el in root.iter() if el.get("toName")}


def _aliases(element: ET.Element) -> list[str]:
    return [choice.get("alias") for choice in element.findall("Choice")]


@pytest.mark.django_db
def test_every_criterion_kind_gets_its_control_named_by_its_key():
    rubric = RubricFactory()
    controls = _controls(label_config(rubric.criteria.all()))

    assert controls["accurate"].tag == "Choices"
    assert _aliases(controls["accurate"]) == ["met", "not_met"]
    assert controls["completeness"].tag == "Rating"
    assert controls["completeness"].get("maxRating") == "5"
    assert _aliases(controls["urgency"]) == ["emergent", "urgent", "routine"]
    # Points: met / not met, the points shown; this one may be marked not applicable.
    assert _aliases(controls["advises_er"]) == ["met", "not_met", "na"]
    assert "+8 points" in controls["advises_er"].find("Choice").get("value")
    assert _aliases(controls["verdict"]) == ["accept", "revise", "reject"]
    assert controls["corrected_answer"].tag == "TextArea"
    assert controls["rationale"].tag == "TextArea"
    assert all(el.get("toName") == "answer" for el in controls.values())
    for name in ("accurate", "completeness", "urgency", "advises_er", "verdict"):
        assert controls[name].get("required") == "true"


@pytest.mark.django_db
def test_conversation_reasoning_and_answer_are_shown_as_text():
    root = ET.fromstring(label_config(RubricFactory().criteria.all()))
    texts = {el.get("name"): el.get("value") for el in root.iter("Text")}
    assert texts == {
        "conversation": "$conversation",
        "reasoning": "$reasoning",
        "answer": "$answer",
    }


@pytest.mark.django_db
def test_ordinal_scale_not_starting_at_one_becomes_labelled_choices():
    rubric = RubricFactory(
        criteria=[
            {
                "key": "harm",
                "label": "Potential harm",
                "kind": "ordinal",
                "min_value": 0,
                "max_value": 3,
                "labels": {"0": "None", "3": "Severe"},
                "allow_na": True,
            },
        ]
    )
    harm = _controls(label_config(rubric.criteria.all()))["harm"]
    assert harm.tag == "Choices"
    assert _aliases(harm) == ["0", "1", "2", "3", "na"]
    assert [c.get("value") for c in harm.findall("Choice")][:2] == ["0 — None", "1"]


@pytest.mark.django_db
def test_a_criterion_named_like_a_fixed_control_is_refused_by_name():
    rubric = RubricFactory(criteria=[{"key": "verdict", "label": "Verdict", "kind": "binary"}])
    with pytest.raises(DomainError) as caught:
        label_config(rubric.criteria.all())
    assert caught.value.details[0].field == "criteria.verdict"
    assert "reserved" in caught.value.message


@pytest.mark.django_db
def test_dollar_signs_in_labels_are_not_read_as_task_variables():
    rubric = RubricFactory(
        criteria=[{"key": "cost", "label": "Mentions the $40 copay", "kind": "binary"}]
    )
    xml = label_config(rubric.criteria.all())
    assert "$40" not in xml
    assert "40 copay" in xml


@pytest.mark.django_db
def test_task_carries_the_sample_id_in_data_and_meta_and_the_chat_as_text():
    sample = SampleFactory(
        project=ProjectFactory(),
        messages=[
            {"role": "system", "content": "Be careful."},
            {"role": "user", "content": "Crushing chest pain for an hour."},
            {"role": "assistant", "content": [{"type": "text", "text": "Call 911."}]},
        ],
    )
    task = task_payload(sample)
    assert task["data"]["rounds_sample_id"] == sample.pk
    assert task["meta"]["rounds_sample_id"] == sample.pk
    assert task["meta"]["rounds_external_id"] == sample.external_id
    assert task["data"]["conversation"] == (
        "System: Be careful.\n\nPatient: Crushing chest pain for an hour.\n\nAssistant: Call 911."
    )
    assert task["data"]["answer"] == sample.answer
    assert "id" not in task


def test_importing_the_bridge_does_not_load_the_sdk():
    code = (
        "import django, os, sys; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.test'; "
        "django.setup(); import curation.admin, curation.tasks, curation.labelstudio.services; "
        "import curation.labelstudio.offline, curation.labelstudio.mapping; "
        "print('label_studio_sdk' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_criterion_kinds_are_all_covered():
    # A new kind must be taught to the config generator and the mapping.
    assert set(Criterion.Kind.values) == {"binary", "ordinal", "nominal", "points"}
