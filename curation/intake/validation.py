"""Validating one mapped record: the row to write, or what is wrong with it; content hashes."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np
import orjson

from annotators.models import Specialty
from core import jsonsafe
from core.ingest import (
    ErrorCollector,
    check_field_sizes,
)
from curation.intake.formats import NATIVE_FIELDS, ROLES
from curation.intake.sensitive import sample_findings
from curation.models import Project
from curation.rubrics.validation import grades_validate

# --- validating one record --------------------------------------------------------------------


def _canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _content_json(
    *,
    messages: list,
    reasoning: str,
    answer: str,
    images: list,
    specialty: str | None,
    metadata: dict,
    gold: dict | None = None,
) -> str:
    content: dict[str, Any] = {
        "messages": messages,
        "reasoning": reasoning,
        "answer": answer,
        "images": images,
        "specialty": specialty,
        "metadata": metadata,
    }
    if gold is not None:
        content["gold"] = gold
    return _canonical(content)


def sample_content_hash(**content: Any) -> str:
    """sha256 of the canonical JSON of a sample's content; equal content, equal hash.

    Keywords: messages, reasoning, answer, images, specialty (code), metadata, gold.
    """
    return hashlib.sha256(_content_json(**content)).hexdigest()


# A NUL character in canonical JSON: "\u0000" not preceded by an escaping backslash.
_NUL_IN_JSON = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _has_nul(canonical: bytes) -> bool:
    return b"\\u0000" in canonical and _NUL_IN_JSON.search(canonical) is not None


class _Validator:
    """Turns one mapped record into the row to write, or reports what is wrong with it."""

    # A HealthBench example may come without a response yet: its answer may then be empty.
    answer_optional = False

    def __init__(self, project: Project, errors: ErrorCollector) -> None:
        self.errors = errors
        self.criteria = list(project.rubric.criteria.all())
        self.specialties: dict[str, tuple[int, str]] = {}
        for pk, code, name in Specialty.objects.values_list("id", "code", "name"):
            self.specialties[code.lower()] = (pk, code)
            self.specialties[name.lower()] = (pk, code)

    def error(self, message: str, field: str | None, line: int, code: str = "invalid") -> None:
        self.errors.add(message, field=field, line=line, code=code)

    def __call__(self, data: Any, line: int, size: int = 0) -> dict | None:  # noqa: C901
        if not isinstance(data, dict):
            self.error(f"must be a JSON object, got {type(data).__name__}", None, line, "type")
            return None
        if not check_field_sizes(data, line=line, errors=self.errors, size=size):
            return None
        if not jsonsafe.check_record(data, line=line, errors=self.errors):
            return None
        before = self.errors.total
        external_id = data.get("id")
        if isinstance(external_id, int) and not isinstance(external_id, bool):
            external_id = str(external_id)
        messages = data.get("messages")
        answer = data.get("answer")
        reasoning = data.get("reasoning", "")
        metadata = data.get("metadata", {})
        images = data.get("images", [])
        gold = data.get("gold")
        if external_id is None and "id" not in data and isinstance(answer, str):
            external_id = None  # derived from the content hash below
        elif not isinstance(external_id, str) or not external_id.strip():
            self.error(self._expected("a non-empty string", external_id, "id" in data), "id", line)
        elif len(external_id) > 200:
            self.error("must be at most 200 characters", "id", line)
        if messages is None:
            self.error("is required", "messages", line, "required")
        elif not isinstance(messages, list) or not messages:
            self.error(self._expected("a non-empty list of messages", messages), "messages", line)
        else:
            self._check_messages(messages, line)
        if answer is None:
            self.error("is required", "answer", line, "required")
        elif not isinstance(answer, str) or (not answer.strip() and not self.answer_optional):
            self.error(self._expected("a non-empty string", answer), "answer", line)
        if reasoning is None:
            reasoning = ""
        if not isinstance(reasoning, str):
            self.error(self._expected("a string", reasoning), "reasoning", line)
        if metadata is None:
            metadata = {}
        if not isinstance(metadata, dict):
            self.error(self._expected("an object", metadata), "metadata", line)
        if images is None:
            images = []
        if not isinstance(images, list) or not all(isinstance(i, str) for i in images):
            self.error(self._expected("a list of strings (URLs or paths)", images), "images", line)
        specialty = self._specialty(data.get("specialty"), line)
        grades = None
        if gold is not None:
            grades, problems = grades_validate(self.criteria, gold, line=line)
            for p in problems:
                name = p.field.replace("grades", "gold", 1) if p.field else "gold"
                self.error(p.message, name, line, p.code)
        if self.errors.total > before:
            return None
        extras = {k: v for k, v in data.items() if k not in NATIVE_FIELDS}
        if extras:
            metadata = {**extras, **metadata}
        content = _content_json(
            messages=messages,
            reasoning=reasoning,
            answer=answer,
            images=images,
            specialty=specialty[1] if specialty else None,
            metadata=metadata,
            gold=grades,
        )
        if _has_nul(content) or (external_id is not None and "\x00" in external_id):
            self.error("contains a NUL character (\\u0000), which cannot be stored", None, line)
            return None
        content_hash = hashlib.sha256(content).hexdigest()
        if external_id is None:
            external_id = f"sha256-{content_hash[:20]}"
        findings = sample_findings(
            messages=messages,
            reasoning=reasoning,
            answer=answer,
            metadata=metadata,
            external_id=data.get("id"),
            images=images,
        )
        return {
            "external_id": external_id,
            "messages": messages,
            "reasoning": reasoning,
            "answer": answer,
            "images": images,
            "specialty_id": specialty[0] if specialty else None,
            "metadata": metadata,
            "content_hash": content_hash,
            "is_gold": grades is not None,
            "gold_grades": grades,
            "quarantined": bool(findings),
            "quarantine_reasons": [f.as_dict() for f in findings],
        }

    @staticmethod
    def _expected(what: str, value: Any, present: bool = True) -> str:
        if not present:
            return "is required"
        kind = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
            type(value), type(value).__name__
        )
        if value is None:
            kind = "null"
        elif isinstance(value, str | list) and not value:
            kind = "empty"
        return f"must be {what}, got {kind}"

    def _check_messages(self, messages: list, line: int) -> None:
        for index, message in enumerate(messages):
            where = f"messages[{index}]"
            if not isinstance(message, dict):
                self.error(self._expected("an object with role and content", message), where, line)
                continue
            role = message.get("role")
            if role not in ROLES:
                self.error(
                    f"must be one of system, user, assistant, got {role!r}", f"{where}.role", line
                )
            if not isinstance(message.get("content"), str):
                self.error(
                    self._expected("a string", message.get("content"), "content" in message),
                    f"{where}.content",
                    line,
                )

    def _specialty(self, value: Any, line: int) -> tuple[int, str] | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            self.error(self._expected("a specialty code or name", value), "specialty", line)
            return None
        found = self.specialties.get(value.strip().lower())
        if found is None:
            self.error(
                f"unknown specialty {value!r}: use a code or name from the specialty list "
                "(e.g. cardiology), or ask an admin to add it",
                "specialty",
                line,
                "unknown",
            )
        return found


class _SeenIds:
    """Ids already met in this file, in ~12 bytes an id (a 64-bit hash and a line number)."""

    def __init__(self) -> None:
        self.recent: dict[int, int] = {}
        self.hashes = np.empty(0, dtype=np.int64)
        self.lines = np.empty(0, dtype=np.int64)

    def first_line(self, external_id: str) -> int | None:
        h = hash(external_id)
        if h in self.recent:
            return self.recent[h]
        if self.hashes.size:
            i = int(np.searchsorted(self.hashes, h))
            if i < self.hashes.size and self.hashes[i] == h:
                return int(self.lines[i])
        return None

    def add(self, external_id: str, line: int) -> None:
        self.recent[hash(external_id)] = line
        if len(self.recent) >= 100_000:
            hashes = np.concatenate([self.hashes, np.fromiter(self.recent.keys(), np.int64)])
            lines = np.concatenate([self.lines, np.fromiter(self.recent.values(), np.int64)])
            order = np.argsort(hashes, kind="stable")
            self.hashes, self.lines = hashes[order], lines[order]
            self.recent = {}
