"""A lead physician's decision on a sample the reviewers did not agree on."""

from __future__ import annotations

from django.db import transaction

from core.audit import audit_record
from core.errors import Conflict, DomainError, Forbidden, NotFound
from curation.access import adjudication_refusal, led_projects
from curation.intake.phi import physician_text_check
from curation.models import Adjudication, Criterion, Sample
from curation.reviewing.lifecycle import sample_adjudicated
from curation.rubrics.validation import review_validate


@transaction.atomic
def adjudication_record(
    *,
    sample: Sample,
    lead,
    grades: dict,
    verdict: str,
    final_answer: str = "",
    note: str,
) -> Adjudication:
    """Record the final grades, verdict and answer of a sample in adjudication; it settles.

    Only a lead of a cohort allowed on the sample's project may decide (anyone else gets the same
    404 as for a missing sample), and never one who reviewed the sample (403); the grades pass
    the one rubric validator; audited.
    """
    physician_text_check({"final_answer": final_answer, "note": note})
    sample = (
        Sample.objects.select_for_update()
        .select_related("project")
        .filter(pk=sample.pk, project__in=led_projects(lead))
        .first()
    )
    if sample is None:
        raise NotFound("Sample not found.")
    refusal = adjudication_refusal(lead, sample)
    if refusal is not None:
        raise Forbidden(refusal, field="sample", code="reviewed_this_sample")
    if sample.status != Sample.Status.ADJUDICATION:
        raise Conflict(
            f"Sample {sample.external_id} is {sample.get_status_display().lower()}, "
            "not waiting for adjudication.",
            field="status",
            code="not_in_adjudication",
        )
    note = (note or "").strip()
    if not note:
        raise DomainError(
            "is required: say why this is the final label", field="note", code="required"
        )
    clean = review_validate(
        criteria=Criterion.objects.filter(rubric_id=sample.project.rubric_id).order_by("position"),
        grades=grades,
        verdict=verdict,
        corrected_answer=final_answer,
        rationale=note,
    )
    answer = {
        "accept": sample.answer,
        "revise": clean["corrected_answer"],
        "reject": "",
    }[clean["verdict"]]
    before = {"status": sample.status, "final_grades": sample.final_grades}
    decision = Adjudication.objects.create(
        sample=sample,
        lead=lead,
        grades=clean["grades"],
        verdict=clean["verdict"],
        final_answer=answer,
        note=note,
    )
    sample_adjudicated(
        sample_id=sample.pk, grades=clean["grades"], verdict=clean["verdict"], final_answer=answer
    )
    audit_record(
        actor=lead,
        action="sample.adjudicated",
        obj=sample,
        before=before,
        after={
            "status": Sample.Status.SETTLED,
            "final_grades": clean["grades"],
            "final_verdict": clean["verdict"],
            "final_source": "adjudication",
            "adjudication": decision.pk,
            "note": note,
        },
    )
    return decision
