"""The agreement job on PostgreSQL: figures, consensus, settling, immutability, failure, locking."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from core.errors import Conflict
from core.models import AuditEvent
from curation.agreement.services import LOCK_NAMESPACE, agreement_compute
from curation.models import AgreementReport, ConsensusLabel, Sample
from tests.services import database_url

from .conftest import AGREE, record_review


def test_unanimous_samples_settle_with_the_consensus_as_final_label(project, panel, reviewed):
    samples = reviewed(24)
    report = agreement_compute(project=project)
    assert report.status == "done"
    assert report.settled == 24
    sample = Sample.objects.get(pk=samples[0].pk)
    assert sample.status == "settled"
    assert sample.final_source == "consensus"
    assert sample.final_verdict == "accept"
    assert sample.final_answer == sample.answer
    assert sample.final_grades == dict(AGREE, accurate=True, completeness=1)
    assert AuditEvent.objects.filter(action="agreement.computed", object_id=str(report.pk)).exists()


def test_report_counts_inputs_and_gives_alpha_with_interval_per_criterion(
    project, panel, reviewed, make_sample
):
    reviewed(24)
    lonely = make_sample()
    record_review(lonely, panel[0])
    report = agreement_compute(project=project)
    assert report.inputs["reviews"] == 24 * 3 + 1
    assert report.inputs["samples_single_rated_left_out"] == 1
    figures = {c["key"]: c for c in report.figures["criteria"]}
    assert set(figures) == {"accurate", "completeness", "urgency", "advises_er"}
    accurate = figures["accurate"]["overall"]
    assert accurate["alpha"] == pytest.approx(1.0)
    assert accurate["n_items"] == 24
    assert accurate["n_single_rated_left_out"] == 1
    assert accurate["fleiss_kappa"] == pytest.approx(1.0)
    assert accurate["balanced_f1"] == pytest.approx(1.0)
    assert accurate["cohen_kappa"]["unweighted"]["n_pairs"] == 3
    scale = figures["completeness"]["overall"]
    assert scale["ordinal"]["alpha"] == pytest.approx(1.0)
    assert set(scale["cohen_kappa"]) == {"unweighted", "linear", "quadratic"}
    assert str(Sample.objects.first().specialty) in figures["accurate"]["by_specialty"]
    assert "Cardiology panel" in figures["accurate"]["by_cohort"]
    assert report.figures["verdict"]["overall"]["note"].startswith("undefined")
    assert sorted(row["reviews"] for row in report.physicians) == [24, 24, 25]
    assert all(row["agreement_with_others"] == 1.0 for row in report.physicians)


def test_disagreement_goes_to_adjudication(project, panel, make_sample):
    sample = make_sample()
    record_review(sample, panel[0], dict(AGREE, urgency="emergent"), "accept")
    record_review(sample, panel[1], dict(AGREE, urgency="routine"), "reject")
    record_review(
        sample, panel[2], dict(AGREE, urgency="urgent"), "revise", corrected_answer="Call 911 now."
    )
    report = agreement_compute(project=project, method="majority")
    sample.refresh_from_db()
    assert sample.status == "adjudication"
    assert sample.final_source == ""
    assert report.sent_to_adjudication == 1
    assert ConsensusLabel.objects.get(sample=sample).min_confidence < project.consensus_threshold


def test_revise_consensus_takes_the_correction_of_the_most_reliable_reviser(
    project, panel, reviewed, make_sample
):
    reviewed(24)
    sample = make_sample()
    for physician in panel:
        record_review(
            sample,
            physician,
            AGREE,
            "revise",
            corrected_answer=f"Corrected by {physician.user.first_name}.",
        )
    agreement_compute(project=project)
    sample.refresh_from_db()
    assert sample.status == "settled"
    assert sample.final_verdict == "revise"
    assert sample.final_answer.startswith("Corrected by ")
    assert ConsensusLabel.objects.get(sample=sample).answer_from_id is not None


def test_model_graders_never_settle_a_sample_but_are_compared_with_the_consensus(
    project, panel, reviewed, make_sample, model_grader
):
    samples = reviewed(24)
    for sample in samples:
        record_review(sample, model_grader, dict(AGREE, accurate=True), is_model=True)
    short = make_sample()
    for physician in panel[:2]:
        record_review(short, physician)
    record_review(short, model_grader, is_model=True)
    report = agreement_compute(project=project)
    short.refresh_from_db()
    assert short.status == "open"
    assert report.inputs["model_reviews"] == 25
    assert report.inputs["reviews"] == 24 * 3 + 2
    (judge,) = report.model_graders
    accurate = next(c for c in judge["criteria"] if c["key"] == "accurate")
    assert accurate["n"] == 25
    # The judge says "met" everywhere; physicians split half and half.
    assert accurate["balanced_f1"] < 0.75
    assert {a["axis"] for a in judge["axes"]} == {"accuracy", "safety"}
    assert all(row["reviews"] < 30 for row in report.physicians)


def test_finished_report_is_immutable(project, panel, reviewed):
    reviewed(3)
    report = agreement_compute(project=project)
    report.figures = {}
    with pytest.raises(PermissionError):
        report.save()
    with pytest.raises(PermissionError):
        report.delete()


def test_run_failing_midway_keeps_the_previous_report_and_consensus(project, panel, reviewed):
    reviewed(6)
    first = agreement_compute(project=project)
    with pytest.raises(RuntimeError):
        agreement_compute(project=project, fail_after_read=True)
    latest = AgreementReport.objects.filter(project=project, status="done").first()
    assert latest.pk == first.pk
    assert set(ConsensusLabel.objects.values_list("report_id", flat=True)) == {first.pk}
    failed = AgreementReport.objects.filter(project=project, status="failed").get()
    assert "stopped midway" in failed.error


def test_second_concurrent_run_is_refused_as_already_running(project, panel, reviewed):
    reviewed(3)
    with psycopg.connect(
        database_url(connection.settings_dict).replace("postgres://", "postgresql://"),
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, project.pk])
        with pytest.raises(Conflict) as refused:
            agreement_compute(project=project)
        assert refused.value.code == "already_running"
        other.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, project.pk])
    assert agreement_compute(project=project).status == "done"


def test_rerun_leaves_settled_and_adjudicated_samples_alone(project, panel, reviewed):
    samples = reviewed(3)
    agreement_compute(project=project)
    Sample.objects.filter(pk=samples[0].pk).update(final_answer="Edited by a lead.")
    second = agreement_compute(project=project)
    assert second.settled == 0
    assert Sample.objects.get(pk=samples[0].pk).final_answer == "Edited by a lead."
    assert AgreementReport.objects.filter(project=project, status="done").count() == 2
