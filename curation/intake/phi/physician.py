"""Physician-written text (corrections, rationales, notes, drafts) is refused if it carries an
identifier: the error names the field, the kind and the characters, never the text itself."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from core.errors import DomainError, ErrorDetail

from .fields import locate

KIND_LABELS = {
    "name": "a person's name",
    "date_of_birth": "a date of birth",
    "personal_date": "a date tied to the patient (admission, discharge, death ...)",
    "age_over_89": "an age over 89",
    "phone": "a phone number",
    "fax": "a fax number",
    "email": "an e-mail address",
    "national_id": "a national identity or health number (SSN, NHS, Medicare ...)",
    "medical_record_number": "a medical record number",
    "health_plan_number": "a health plan number",
    "account_number": "an account number",
    "case_number": "a case or claim number",
    "licence_number": "a licence or certificate number",
    "vehicle_id": "a vehicle plate or identification number",
    "device_id": "a device serial number",
    "url": "a personal web address",
    "ip_address": "an IP address",
    "street_address": "a street address",
    "postal_code": "a ZIP code or postcode",
}


def _flatten(value: object, field: str) -> Iterator[tuple[str, str]]:
    """(path, text) for each string in a nested value, iteratively (no depth limit)."""
    stack = [(value, field)]
    while stack:
        value, field = stack.pop()
        if isinstance(value, str):
            yield field, value
        elif isinstance(value, Mapping):
            stack.extend(reversed([(v, f"{field}.{k}") for k, v in value.items()]))
        elif isinstance(value, list | tuple):
            stack.extend(reversed([(v, f"{field}[{i}]") for i, v in enumerate(value)]))


def physician_text_check(fields: Mapping[str, object]) -> None:
    """Raise a DomainError naming each identifier in the given fields (nested values too).

    Called at the top of every service that saves text a physician wrote, before anything is
    stored: a review's correction and rationale, a draft, an adjudication note and answer.
    """
    texts = [pair for name, value in fields.items() for pair in _flatten(value, name)]
    found = locate(texts)
    if not found:
        return
    details = [
        ErrorDetail(
            f"looks like {KIND_LABELS.get(f.kind, f.kind)} at characters {f.start}-{f.end}; "
            "patient identifiers may not be saved",
            f.field,
            code="identifier",
        )
        for f in found
    ]
    raise DomainError.many(details)
