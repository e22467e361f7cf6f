"""Patient-identifier screening; the code lives in `curation.intake.phi`.

Kept so existing imports (`from curation.sensitive import sample_findings`) keep working.
"""

from curation.intake.phi import (  # noqa: F401
    KIND_LABELS,
    Finding,
    identifier_spans,
    identifiers_in,
    physician_text_check,
    redact_text,
    sample_findings,
    sample_texts,
)
