"""Rubric versions: a rubric that already has reviews is never rewritten; a change makes a new
version, found again by its content hash.
"""

from __future__ import annotations

import hashlib
import json

from django.db import transaction

from core.audit import audit_record
from curation.models import Criterion, Rubric

# --- rubrics ------------------------------------------------------------------------------------

CRITERION_COLUMNS = (
    "key",
    "label",
    "guidance",
    "kind",
    "min_value",
    "max_value",
    "labels",
    "choices",
    "points",
    "axis",
    "allow_na",
)


def rubric_hash(*, name: str, description: str, criteria: list[dict]) -> str:
    body = {
        "name": name,
        "description": description,
        "criteria": [{k: spec.get(k) for k in CRITERION_COLUMNS} for spec in criteria],
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _rubric_spec(rubric: Rubric) -> list[dict]:
    return [{k: getattr(c, k) for k in CRITERION_COLUMNS} for c in rubric.criteria.all()]


def _criteria_write(rubric: Rubric, criteria: list[dict]) -> None:
    Criterion.objects.bulk_create(
        Criterion(rubric=rubric, position=i, **{k: spec[k] for k in CRITERION_COLUMNS})
        for i, spec in enumerate(criteria)
    )


@transaction.atomic
def rubric_new_version(
    *, family: str, name: str, criteria: list[dict], actor, description: str = ""
) -> Rubric:
    """Create the next version of a rubric family (v1 when the family is new)."""
    latest = Rubric.objects.select_for_update().filter(family=family).order_by("-version").first()
    content_hash = rubric_hash(name=name, description=description, criteria=criteria)
    rubric = Rubric.objects.create(
        family=family,
        version=(latest.version + 1) if latest else 1,
        name=name,
        description=description,
        content_hash=content_hash,
    )
    _criteria_write(rubric, criteria)
    audit_record(
        actor=actor,
        action="rubric.version_created",
        obj=rubric,
        before={"version": latest.version} if latest else None,
        after={
            "family": family,
            "version": rubric.version,
            "hash": content_hash,
            "criteria": [c["key"] for c in criteria],
        },
    )
    return rubric


def _rubric_resolve(spec: dict, current: Rubric | None, actor) -> tuple[Rubric, str]:
    """The rubric the project should point at, and what happened: unchanged/updated/created."""
    content_hash = rubric_hash(
        name=spec["name"], description=spec["description"], criteria=spec["criteria"]
    )
    candidates = [current] if current is not None and current.family == spec["family"] else []
    latest = Rubric.objects.filter(family=spec["family"]).order_by("-version").first()
    if latest is not None and latest not in candidates:
        candidates.append(latest)
    for rubric in candidates:
        stored = rubric_hash(
            name=rubric.name, description=rubric.description, criteria=_rubric_spec(rubric)
        )
        if stored == content_hash:
            if rubric.content_hash != content_hash:
                Rubric.objects.filter(pk=rubric.pk).update(content_hash=content_hash)
            return rubric, "unchanged"
    if latest is not None and not latest.is_frozen:
        before = {
            "name": latest.name,
            "hash": latest.content_hash,
            "criteria": [c["key"] for c in _rubric_spec(latest)],
        }
        latest.criteria.all().delete()
        latest.name, latest.description = spec["name"], spec["description"]
        latest.content_hash = content_hash
        latest.save(update_fields=["name", "description", "content_hash"])
        _criteria_write(latest, spec["criteria"])
        audit_record(
            actor=actor,
            action="rubric.updated",
            obj=latest,
            before=before,
            after={
                "name": latest.name,
                "hash": content_hash,
                "criteria": [c["key"] for c in spec["criteria"]],
            },
        )
        return latest, "updated"
    rubric = rubric_new_version(
        family=spec["family"],
        name=spec["name"],
        description=spec["description"],
        criteria=spec["criteria"],
        actor=actor,
    )
    return rubric, "created"
