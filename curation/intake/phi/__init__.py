"""Screening for patient identifiers (HIPAA Safe Harbor) in samples and physician-written text.

Rules are regular expressions behind cheap gates, grouped by concern: `contact` (e-mail,
phone, fax, web and IP addresses), `numbers` (SSN, national health, record, plan, account,
case, licence, vehicle and device numbers), `dates` (dates tied to a person, ages over 89),
`places` (street addresses, ZIP codes, postcodes) and `names` (names after a cue). `scan` runs
them over a text, `fields` over every field of a sample, `physician` over what a physician
writes. The labelled corpus in tests/data/phi/ measures them.
"""

from .fields import Finding, Located, locate, sample_findings, sample_texts
from .physician import KIND_LABELS, physician_text_check
from .rule import Hit
from .scan import identifier_spans, identifiers_in, redact_text

__all__ = [
    "KIND_LABELS",
    "Finding",
    "Hit",
    "Located",
    "identifier_spans",
    "identifiers_in",
    "locate",
    "physician_text_check",
    "redact_text",
    "sample_findings",
    "sample_texts",
]
