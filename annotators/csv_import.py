"""The CSV import of physicians: every row checked, then all written in one transaction, each
new physician invited once it commits.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify

from core.audit import audit_record
from core.ingest import ErrorCollector, check_field_sizes, open_source
from core.records import iter_csv

from .models import Cohort, CohortMembership, Physician, Specialty
from .services import ROLES, physician_invite

CSV_COLUMNS = ("email", "name", "specialties", "licence_number", "jurisdiction", "cohort", "role")

# --- the CSV import ---------------------------------------------------------------------------


@dataclass
class PhysicianRow:
    line: int
    email: str
    name: str
    specialties: list[str]
    licence_number: str
    jurisdiction: str
    cohort: str
    role: str


@dataclass
class PhysiciansImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cohorts_created: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        if self.cohorts_created:
            text += "; new cohorts: " + ", ".join(self.cohorts_created)
        return text + "."


def _row_check(record, errors: ErrorCollector, codes: set[str]) -> PhysicianRow | None:
    data, line = record.data, record.line
    if not check_field_sizes(data, line=line, errors=errors):
        return None
    values = {k: (data.get(k) or "").strip() for k in CSV_COLUMNS}
    ok = True
    email = values["email"].lower()
    if not email:
        errors.add("is required", field="email", line=line, code="required")
        ok = False
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors.add(f"is not a valid e-mail address: {email!r}", field="email", line=line)
            ok = False
    if not values["name"]:
        errors.add("is required", field="name", line=line, code="required")
        ok = False
    specialties = [c.strip() for c in values["specialties"].split(";") if c.strip()]
    for code in specialties:
        if code not in codes:
            close = difflib.get_close_matches(code, sorted(codes), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            errors.add(
                f"unknown specialty {code!r}{hint}", field="specialties", line=line, code="unknown"
            )
            ok = False
    role = values["role"].lower() or CohortMembership.Role.REVIEWER
    if role not in ROLES:
        errors.add(f"must be reviewer or lead, got {values['role']!r}", field="role", line=line)
        ok = False
    if values["licence_number"] and not values["jurisdiction"]:
        errors.add(
            "is required when a licence number is given",
            field="jurisdiction",
            line=line,
            code="required",
        )
        ok = False
    if values["cohort"] and not slugify(values["cohort"]):
        errors.add(
            f"cannot be made into a cohort slug: {values['cohort']!r}", field="cohort", line=line
        )
        ok = False
    if not ok:
        return None
    return PhysicianRow(
        line,
        email,
        " ".join(values["name"].split()),
        sorted(set(specialties)),
        values["licence_number"],
        values["jurisdiction"],
        values["cohort"],
        role,
    )


def _rows_cross_check(rows: list[PhysicianRow], errors: ErrorCollector) -> None:
    """Repeated people must agree; a licence belongs to one person, here and in the database."""
    first_row: dict[str, PhysicianRow] = {}
    seen_cohort: dict[tuple[str, str], int] = {}
    licences: dict[tuple[str, str], PhysicianRow] = {}
    for row in rows:
        earlier = first_row.setdefault(row.email, row)
        if earlier is not row:
            for name in ("name", "specialties", "licence_number", "jurisdiction"):
                if getattr(row, name) != getattr(earlier, name):
                    errors.add(
                        f"differs from line {earlier.line} for {row.email}",
                        field=name,
                        line=row.line,
                        code="conflict",
                    )
        key = (row.email, slugify(row.cohort))
        if key in seen_cohort:
            errors.add(
                f"{row.email} is already in this cohort on line {seen_cohort[key]}",
                field="cohort",
                line=row.line,
                code="duplicate",
            )
        seen_cohort.setdefault(key, row.line)
        if row.licence_number:
            lic = (row.jurisdiction, row.licence_number)
            other = licences.setdefault(lic, row)
            if other.email != row.email:
                errors.add(
                    f"is also given to {other.email} on line {other.line}",
                    field="licence_number",
                    line=row.line,
                    code="duplicate",
                )
    wanted = {(r.jurisdiction, r.licence_number): r for r in rows if r.licence_number}
    if wanted:
        holders = Physician.objects.filter(licence_number__in={k[1] for k in wanted}).values_list(
            "licence_jurisdiction", "licence_number", "user__username"
        )
        for jurisdiction, number, username in holders:
            row = wanted.get((jurisdiction, number))
            if row is not None and username != row.email:
                errors.add(
                    f"{jurisdiction} {number} belongs to another physician ({username})",
                    field="licence_number",
                    line=row.line,
                    code="conflict",
                )


@transaction.atomic
def physicians_import(
    *,
    source: str | bytes | IO,
    actor,
    filename: str | None = None,
    resend: bool = False,
    invite: bool = True,
    progress: Callable[[int], Any] | None = None,
) -> PhysiciansImportResult:
    """Create or update physicians from a CSV; nothing is written unless every row is valid."""
    codes = set(Specialty.objects.values_list("code", flat=True))
    rows: list[PhysicianRow] = []
    with open_source(source, name=filename, on_read=progress) as src:
        errors = ErrorCollector(file=src.name)
        header_checked = False
        for record in iter_csv(src.stream, errors=errors):
            if not header_checked:
                header_checked = True
                missing = [c for c in CSV_COLUMNS if c not in record.data]
                extra = [c for c in record.data if c not in CSV_COLUMNS]
                if missing or extra:
                    problem = (
                        f"is missing column(s) {', '.join(missing)}"
                        if missing
                        else f"has unknown column(s) {', '.join(extra)}"
                    )
                    errors.add(
                        f"{problem}; expected {','.join(CSV_COLUMNS)}", line=1, code="header"
                    )
                    break
            row = _row_check(record, errors, codes)
            if row is not None:
                rows.append(row)
            if errors.full:
                break
        if not errors:
            _rows_cross_check(rows, errors)
        errors.raise_if_any()
    result = PhysiciansImportResult()
    rank = {"unchanged": 0, "updated": 1, "created": 2}
    per_email: dict[str, str] = {}
    cohorts: dict[str, Cohort] = {}
    for row in rows:
        cohort = None
        if row.cohort:
            if row.cohort not in cohorts:
                cohorts[row.cohort] = _cohort_for(row.cohort, actor, result)
            cohort = cohorts[row.cohort]
        _, outcome = physician_invite(
            email=row.email,
            name=row.name,
            specialties=row.specialties,
            licence_number=row.licence_number,
            jurisdiction=row.jurisdiction,
            cohort=cohort,
            role=row.role,
            actor=actor,
            resend=resend and row.email not in per_email,
            invite=invite,
        )
        per_email[row.email] = max(outcome, per_email.get(row.email, outcome), key=rank.get)
    for outcome in per_email.values():
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def _cohort_for(label: str, actor, result: PhysiciansImportResult) -> Cohort:
    """The cohort a CSV names, by slug or name; created if new."""
    slug = slugify(label)
    cohort = (
        Cohort.objects.filter(slug__in={label, slug}).first()
        or Cohort.objects.filter(name__iexact=label).first()
    )
    if cohort is None:
        cohort = Cohort.objects.create(slug=slug, name=label)
        audit_record(
            actor=actor, action="cohort.created", obj=cohort, after={"slug": slug, "name": label}
        )
        result.cohorts_created.append(label)
    return cohort
