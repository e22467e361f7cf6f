"""The lifecycle parity cases, shared by the PostgreSQL run and the SQLite subprocess.

Each case builds its rows and returns a function that runs one form of the transition ("sql"
or "orm"). `snapshot` reads every row a transition may touch with ids replaced by external ids
and user names, so two databases can be compared.
"""

from __future__ import annotations

import datetime as dt

from curation.models import Assignment, ConsensusLabel, ReviewDraft, Sample
from curation.reviewing import lifecycle
from curation.reviewing.reviews import review_record
from tests.curation.workflow_helpers import grades
from tests.factories import CohortFactory, PhysicianFactory, ProjectFactory, SampleFactory, join

NOW = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)


def _when(value):
    if value is None:
        return None
    return "now" if value == NOW else "before"


def snapshot() -> dict:
    samples = {
        s.external_id: [
            s.status,
            s.reviews_done,
            s.slots_open,
            s.quarantined,
            s.final_grades,
            s.final_verdict,
            s.final_answer,
            s.final_source,
            _when(s.settled_at),
            _when(s.updated_at),
        ]
        for s in Sample.objects.all()
    }
    leases = sorted(
        [a.sample.external_id, a.reviewer.username, a.status, _when(a.completed_at)]
        for a in Assignment.objects.select_related("sample", "reviewer")
    )
    drafts = sorted(
        [d.assignment.sample.external_id, d.assignment.reviewer.username]
        for d in ReviewDraft.objects.select_related("assignment__sample", "assignment__reviewer")
    )
    return {"samples": samples, "leases": leases, "drafts": drafts}


def _people():
    cohort = CohortFactory()
    project = ProjectFactory(cohorts=[cohort], overlap=2, consensus_threshold=0.8)
    people = []
    for name in ("ann", "ben", "cam"):
        physician = PhysicianFactory(user__username=f"{name}@parity.test")
        join(cohort, physician)
        people.append(physician.user)
    return project, people


def count_case(status: str, done: int):
    project, _ = _people()
    sample = SampleFactory(project=project, external_id="counted", status=status, reviews_done=done)
    args = {"sample_id": sample.pk, "overlap": project.overlap, "now": NOW}
    return {
        "sql": lambda: lifecycle._counted_sql(**args),
        "orm": lambda: lifecycle._counted_orm(**args),
    }


def _record(sample, user, verdict="accept", correction=""):
    review_record(
        sample=sample,
        reviewer=user,
        grades=grades(),
        verdict=verdict,
        corrected_answer=correction,
        rationale="" if verdict == "accept" else "Because.",
        source="import",
    )


def settle_case():
    from curation.models import AgreementReport

    project, (ann, ben, cam) = _people()
    report = AgreementReport.objects.create(project=project, method="test")
    cases = {
        "accept": ("accept", 0.95, 2, None),
        "revise": ("revise", 0.95, 2, ann),
        "revise-no-review": ("revise", 0.95, 2, cam),  # cam wrote no review
        "reject": ("reject", 0.99, 2, None),
        "unsure": ("accept", 0.30, 2, None),
        "too-few": ("accept", 0.95, 1, None),
        "at-threshold": ("accept", 0.80, 2, None),
        "held-back": ("accept", 1.0, 2, None),
    }
    for name, (verdict, confidence, n, answer_from) in cases.items():
        sample = SampleFactory(project=project, external_id=name)
        _record(sample, ann, "revise", f"Better answer for {name}.")
        _record(sample, ben)
        ConsensusLabel.objects.create(
            sample=sample,
            project=project,
            report=report,
            grades=grades(),
            confidence={},
            verdict=verdict,
            verdict_confidence=confidence,
            min_confidence=confidence,
            n_reviews=n,
            answer_from=answer_from,
        )
    SampleFactory(project=project, external_id="open-one")
    Sample.objects.filter(external_id="held-back").update(quarantined=True)
    args = {"project": project, "threshold": 0.8 - 1e-9, "now": NOW}
    return {
        "sql": lambda: lifecycle._settle_sql(**args),
        "orm": lambda: lifecycle._settle_orm(**args),
    }


def revoke_case():
    project, (ann, ben, cam) = _people()
    regular = SampleFactory(project=project, external_id="regular", slots_open=1)
    gold = SampleFactory(
        project=project, external_id="gold", is_gold=True, gold_grades=grades(), slots_open=0
    )
    untouched = SampleFactory(project=project, external_id="untouched")
    for user, sample, status in (
        (ann, regular, Assignment.Status.LEASED),
        (ben, regular, Assignment.Status.SUBMITTED),
        (cam, regular, Assignment.Status.EXPIRED),
        (ann, gold, Assignment.Status.LEASED),
        (ben, untouched, Assignment.Status.LEASED),
    ):
        lease = Assignment.objects.create(
            project=project,
            sample=sample,
            reviewer=user,
            status=status,
            served_at=NOW - dt.timedelta(minutes=5),
            expires_at=NOW + dt.timedelta(minutes=25),
        )
        if status == Assignment.Status.LEASED:
            ReviewDraft.objects.create(assignment=lease, payload={"rationale": "half"})
    ids = [regular.pk, gold.pk]
    return {
        "sql": lambda: len(lifecycle._revoke_sql(sample_ids=ids, now=NOW)),
        "orm": lambda: len(lifecycle._revoke_orm(sample_ids=ids, now=NOW)),
    }


CASES = {
    **{
        f"count-{status}-{done}": (lambda s=status, d=done: count_case(s, d))
        for status, done in (
            ("open", 0),
            ("open", 1),
            ("open", 5),
            ("complete", 2),
            ("adjudication", 2),
            ("settled", 2),
        )
    },
    "settle": settle_case,
    "revoke": revoke_case,
}
