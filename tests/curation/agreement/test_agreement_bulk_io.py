"""Bulk reads and writes of the agreement job: grades decoded client-side, changed labels only."""

from __future__ import annotations

from curation.agreement.services import agreement_compute
from curation.models import ConsensusLabel, Review, Sample

from .conftest import AGREE, record_review


def test_rerun_over_unchanged_reviews_rewrites_no_consensus_label(project, panel, reviewed):
    reviewed(6)
    first = agreement_compute(project=project)
    assert first.inputs["consensus_rows_written"] == 6
    second = agreement_compute(project=project)
    assert second.inputs["consensus_rows_written"] == 0
    assert set(ConsensusLabel.objects.values_list("report_id", flat=True)) == {first.pk}


def test_a_changed_review_rewrites_only_its_samples_label(project, panel, make_sample):
    samples = []
    for _ in range(4):
        sample = make_sample()
        for physician in panel:
            record_review(sample, physician, dict(AGREE, urgency="urgent"))
        samples.append(sample)
    first = agreement_compute(project=project)
    Review.objects.filter(sample=samples[0]).update(grades=dict(AGREE, urgency="routine"))
    second = agreement_compute(project=project)
    assert second.inputs["consensus_rows_written"] == 1
    changed = ConsensusLabel.objects.get(sample=samples[0])
    assert changed.grades["urgency"] == "routine"
    assert changed.report_id == second.pk
    assert ConsensusLabel.objects.get(sample=samples[1]).report_id == first.pk


def test_label_of_a_sample_whose_reviews_are_gone_is_removed(project, panel, reviewed):
    samples = reviewed(3)
    agreement_compute(project=project)
    Review.objects.filter(sample=samples[0]).delete()
    report = agreement_compute(project=project)
    assert report.inputs["consensus_rows_written"] == 1
    assert not ConsensusLabel.objects.filter(sample=samples[0]).exists()
    assert ConsensusLabel.objects.count() == 2


def test_malformed_and_escaped_grades_count_as_missing_not_as_errors(project, panel, make_sample):
    sample = make_sample()
    odd = {
        "accurate": "yes",  # not a boolean
        "completeness": 2.5,  # not a step of the scale
        "urgency": 'emergent "now" \\ soon',  # not a choice; quotes and a backslash
        "advises_er": None,
        "unknown_key": [1, 2],
    }
    record_review(sample, panel[0], odd)
    for physician in panel[1:]:
        record_review(sample, physician, AGREE)
    report = agreement_compute(project=project)
    assert report.status == "done"
    assert report.inputs["reviews"] == 3
    label = ConsensusLabel.objects.get(sample=sample)
    # Two valid ratings out of three: the consensus stands, with the odd one counting against it.
    assert label.grades["urgency"] == "emergent"
    assert label.confidence["urgency"] < 1.0
    assert label.grades["advises_er"] is True
    assert Sample.objects.get(pk=sample.pk).status == "adjudication"


def test_new_labels_copied_in_equal_the_labels_the_upsert_writes(project, panel, make_sample):
    for grades, verdict in [
        (AGREE, "accept"),
        ({**AGREE, "completeness": None, "urgency": "routine"}, "reject"),
        ({**AGREE, "accurate": False, "advises_er": None}, "revise"),
    ]:
        sample = make_sample()
        for i, physician in enumerate(panel):
            record_review(
                sample,
                physician,
                grades if i else AGREE,
                verdict=verdict,
                corrected_answer="Fixed." if verdict == "revise" else "",
            )
    fields = ("grades", "confidence", "verdict", "verdict_confidence", "min_confidence")
    fields += ("n_reviews", "answer_from_id", "digest")
    agreement_compute(project=project)  # every label is new: COPY
    copied = {r["sample_id"]: r for r in ConsensusLabel.objects.values("sample_id", *fields)}
    assert len(copied) == 3
    ConsensusLabel.objects.update(digest=0)  # every label looks changed: the upsert rewrites all
    report = agreement_compute(project=project)
    assert report.inputs["consensus_rows_written"] == 3
    upserted = {r["sample_id"]: r for r in ConsensusLabel.objects.values("sample_id", *fields)}
    assert upserted == copied
    assert any(r["answer_from_id"] for r in copied.values())
    assert any(None in r["grades"].values() for r in copied.values())


def test_a_new_review_rewrites_its_samples_label_not_every_shifted_confidence(
    project, panel, make_sample, reviewed
):
    samples = reviewed(12)
    late = make_sample()
    for physician in panel[:2]:
        record_review(late, physician, dict(AGREE, accurate=False))
    first = agreement_compute(project=project)
    assert ConsensusLabel.objects.get(sample=late).n_reviews == 2
    record_review(late, panel[2], dict(AGREE, accurate=True))  # moves every rater's estimates
    assert Sample.objects.get(pk=late.pk).status == "complete"
    second = agreement_compute(project=project)
    assert second.inputs["consensus_rows_written"] == 1
    assert ConsensusLabel.objects.get(sample=late).report_id == second.pk
    assert ConsensusLabel.objects.get(sample=samples[0]).report_id == first.pk
    assert Sample.objects.get(pk=late.pk).status in ("settled", "adjudication")


def test_a_sample_about_to_be_decided_gets_this_runs_confidence(project, panel, reviewed):
    samples = reviewed(6)
    Sample.objects.filter(pk=samples[0].pk).update(quarantined=True)
    agreement_compute(project=project)
    assert Sample.objects.get(pk=samples[0].pk).status == "complete"  # held back
    ConsensusLabel.objects.filter(sample=samples[0]).update(min_confidence=0.0)  # a stale figure
    Sample.objects.filter(pk=samples[0].pk).update(quarantined=False)
    second = agreement_compute(project=project)
    label = ConsensusLabel.objects.get(sample=samples[0])
    assert label.report_id == second.pk
    assert label.min_confidence == 1.0  # the panel agrees: recomputed, not the stale 0.0
    assert Sample.objects.get(pk=samples[0].pk).status == "settled"
