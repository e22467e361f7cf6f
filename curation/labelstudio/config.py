"""A project's rubric as a Label Studio labelling config, and the task data it reads.

Control names are the criterion keys, so a result maps back to a grade without a lookup table.
Every choice carries an `alias` (the Rounds value) that Label Studio stores in place of the
displayed text; the mapping accepts either, so exports made from hand-edited configs still land.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from core.errors import DomainError, ErrorDetail
from curation.models import Criterion, Sample
from curation.rubrics.options import NA, NA_LABEL, criterion_options

# Object tags (what the physician reads) and the non-criterion controls.
CONVERSATION, REASONING, ANSWER = "conversation", "reasoning", "answer"
VERDICT, CORRECTED_ANSWER, RATIONALE = "verdict", "corrected_answer", "rationale"
OBJECT_NAMES = (CONVERSATION, REASONING, ANSWER)
CONTROL_NAMES = (VERDICT, CORRECTED_ANSWER, RATIONALE)
RESERVED_NAMES = frozenset(OBJECT_NAMES + CONTROL_NAMES)
SAMPLE_ID_KEY = "rounds_sample_id"
EXTERNAL_ID_KEY = "rounds_external_id"

NOT_APPLICABLE = (NA, NA_LABEL)
VERDICT_CHOICES = (("accept", "Accept"), ("revise", "Revise"), ("reject", "Reject"))
ROLE_LABELS = {"user": "Patient", "assistant": "Assistant", "system": "System"}


@dataclass(frozen=True)
class Control:
    """How one criterion is asked in Label Studio."""

    name: str
    tag: str  # "Choices" or "Rating"
    options: tuple[tuple[str, str], ...] = ()  # (alias = Rounds value, displayed text)
    max_rating: int | None = None


def criterion_control(criterion: Criterion) -> Control:
    """The control for a criterion: Choices for binary, nominal and points; Rating for a 1..n
    ordinal scale without "not applicable", Choices for any other ordinal scale."""
    kind = criterion.kind
    if kind not in Criterion.Kind.values:
        raise DomainError(f"has an unknown kind {kind!r}", field=f"criteria.{criterion.key}")
    if kind == Criterion.Kind.ORDINAL and criterion.min_value == 1 and not criterion.allow_na:
        return Control(criterion.key, "Rating", max_rating=criterion.max_value)
    # The rubric's own options; "not applicable" is appended by the bridge (NOT_APPLICABLE).
    options = criterion_options(criterion, separator=" — ", with_na=False)
    na = (NOT_APPLICABLE,) if criterion.allow_na else ()
    return Control(criterion.key, "Choices", tuple((o.value, o.label) for o in options) + na)


def criteria_check(criteria: Iterable[Criterion]) -> list[Criterion]:
    """Criterion keys double as control names: they must not collide with the fixed ones."""
    criteria = list(criteria)
    errors = [
        ErrorDetail(
            f"the key {c.key!r} is reserved by the Label Studio bridge; rename the criterion",
            f"criteria.{c.key}",
            code="reserved",
        )
        for c in criteria
        if c.key in RESERVED_NAMES
    ]
    if errors:
        raise DomainError.many(errors)
    return criteria


def _text(value: str) -> str:
    # Label Studio reads "$name" in an attribute as a task-data variable.
    return value.replace("$", "＄")


def label_config(criteria: Iterable[Criterion]) -> str:
    """The labelling config XML for a rubric's criteria, in rubric order."""
    criteria = criteria_check(criteria)
    root = ET.Element("View")
    for name, title in (
        (CONVERSATION, "Conversation"),
        (REASONING, "Model reasoning"),
        (ANSWER, "Model answer"),
    ):
        ET.SubElement(root, "Header", value=title)
        ET.SubElement(root, "Text", name=name, value=f"${name}")
    ET.SubElement(root, "Header", value="Rubric")
    for criterion in criteria:
        box = ET.SubElement(root, "View", style="margin-top: 0.75em")
        ET.SubElement(box, "Header", value=_text(criterion.label), size="5")
        if criterion.guidance:
            ET.SubElement(box, "Header", value=_text(criterion.guidance), size="6")
        control = criterion_control(criterion)
        if control.tag == "Rating":
            ET.SubElement(
                box,
                "Rating",
                name=control.name,
                toName=ANSWER,
                maxRating=str(control.max_rating),
                required="true",
            )
            continue
        choices = ET.SubElement(
            box,
            "Choices",
            name=control.name,
            toName=ANSWER,
            choice="single-radio",
            showInline="true",
            required="true",
        )
        for alias, text in control.options:
            ET.SubElement(choices, "Choice", value=_text(text), alias=alias)
    ET.SubElement(root, "Header", value="Verdict")
    verdict = ET.SubElement(
        root,
        "Choices",
        name=VERDICT,
        toName=ANSWER,
        choice="single-radio",
        showInline="true",
        required="true",
    )
    for alias, text in VERDICT_CHOICES:
        ET.SubElement(verdict, "Choice", value=text, alias=alias)
    ET.SubElement(root, "Header", value="Corrected answer (required when the verdict is Revise)")
    ET.SubElement(
        root,
        "TextArea",
        name=CORRECTED_ANSWER,
        toName=ANSWER,
        rows="6",
        editable="true",
        maxSubmissions="1",
    )
    ET.SubElement(root, "Header", value="Rationale (required unless the verdict is Accept)")
    ET.SubElement(
        root,
        "TextArea",
        name=RATIONALE,
        toName=ANSWER,
        rows="3",
        editable="true",
        maxSubmissions="1",
    )
    ET.indent(root)
    return ET.tostring(root, encoding="unicode")


def conversation_text(messages: list) -> str:
    """Chat turns as plain text: 'Patient: ...' blocks separated by blank lines."""
    blocks = []
    for message in messages or []:
        if not isinstance(message, dict):
            blocks.append(str(message))
            continue
        role = str(message.get("role", ""))
        content = message.get("content", "")
        if isinstance(content, list):  # multi-part content: keep the text parts
            content = "\n".join(
                str(part.get("text", "")) if isinstance(part, dict) else str(part)
                for part in content
            )
        blocks.append(f"{ROLE_LABELS.get(role, role.title() or 'Message')}: {content}")
    return "\n\n".join(blocks)


def task_payload(sample: Sample) -> dict:
    """A Label Studio task for a sample. The Rounds id sits in `data` and `meta`: Label Studio
    ignores a top-level id and assigns its own."""
    return {
        "data": {
            SAMPLE_ID_KEY: sample.pk,
            EXTERNAL_ID_KEY: sample.external_id,
            CONVERSATION: conversation_text(sample.messages),
            REASONING: sample.reasoning or "(no reasoning recorded)",
            ANSWER: sample.answer,
        },
        "meta": {SAMPLE_ID_KEY: sample.pk, EXTERNAL_ID_KEY: sample.external_id},
    }
