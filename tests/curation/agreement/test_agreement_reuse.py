"""A re-run over unchanged inputs reuses the last report's arithmetic, and only then."""

from __future__ import annotations

from curation.agreement.services import agreement_compute
from curation.models import ConsensusLabel, Review, Sample

from .conftest import AGREE, record_review


def _some_disagreement(make_sample, panel, n: int = 4):
    samples = []
    for i in range(n):
        sample = make_sample()
        for j, physician in enumerate(panel):
            grades = dict(AGREE, urgency="urgent") if (i + j) % 3 == 0 else AGREE
            record_review(sample, physician, grades)
        samples.append(sample)
    return samples


def test_unchanged_rerun_gives_the_same_report_without_recomputing(project, panel, make_sample):
    _some_disagreement(make_sample, panel)
    first = agreement_compute(project=project)
    second = agreement_compute(project=project)
    assert second.status == "done"
    assert second.inputs["reused_from_report"] == first.pk
    assert "consensus" not in second.inputs["seconds"]
    assert second.figures == first.figures
    assert second.physicians == first.physicians
    assert second.inputs["reviews"] == first.inputs["reviews"]
    assert second.settled == 0 and second.inputs["consensus_rows_written"] == 0


def test_a_changed_grade_is_computed_again(project, panel, make_sample):
    samples = _some_disagreement(make_sample, panel)
    first = agreement_compute(project=project)
    review = Review.objects.filter(sample=samples[1]).first()
    review.grades = dict(AGREE, urgency="routine")
    review.save()
    second = agreement_compute(project=project)
    assert "reused_from_report" not in second.inputs
    assert second.figures != first.figures


def test_a_label_changed_behind_the_jobs_back_is_written_again(project, panel, make_sample):
    samples = _some_disagreement(make_sample, panel)
    agreement_compute(project=project)
    ConsensusLabel.objects.filter(sample=samples[0]).delete()
    second = agreement_compute(project=project)
    assert "reused_from_report" not in second.inputs
    assert ConsensusLabel.objects.filter(sample=samples[0]).exists()


def test_a_sample_waiting_to_settle_is_settled_though_no_review_changed(
    project, panel, make_sample
):
    samples = _some_disagreement(make_sample, panel)
    agreement_compute(project=project)
    decided = Sample.objects.get(pk=samples[2].pk).status
    assert decided != Sample.Status.COMPLETE
    Sample.objects.filter(pk=samples[2].pk).update(status=Sample.Status.COMPLETE)
    second = agreement_compute(project=project)
    assert "reused_from_report" not in second.inputs
    assert Sample.objects.get(pk=samples[2].pk).status == decided


def test_a_reused_report_names_physicians_as_they_are_now(project, panel, make_sample):
    _some_disagreement(make_sample, panel)
    agreement_compute(project=project)
    user = panel[0].user
    user.first_name, user.last_name = "Renamed", "Person"
    user.save()
    second = agreement_compute(project=project)
    assert second.inputs["reused_from_report"]
    assert "Renamed Person" in [row.get("name") for row in second.physicians]
