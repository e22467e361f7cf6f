"""Many physicians pulling and submitting at once on PostgreSQL, through the REST API.

50 threads, each a different physician, plus 10 physicians pulling from two sessions at once,
pull, skip and submit for a few seconds on a project with k = 3. Every thread has its own
database connection (READ COMMITTED, as in production). Afterwards the database must show: no
sample with more than 3 reviews or live leases, no physician given or reviewing a sample twice,
every submit answered 2xx present, and the slot bookkeeping equal to what is really held.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter, defaultdict

import pytest
from django.db import connection
from django.db.models import Count, Q
from rest_framework.test import APIClient

from curation.models import Assignment, Review, Sample
from tests.curation.workflow_helpers import grades, samples
from tests.factories import PhysicianFactory, ProjectFactory, join

DURATION = 5.0  # at least; on a busy machine the run goes on until MIN_SUBMITS are in
MIN_SUBMITS, LIMIT = 40, 60.0
SOLO, DOUBLE, K, SAMPLES = 50, 10, 3, 40
EXPECTED = {200, 201, 204, 409}


class Session(threading.Thread):
    """One browser tab of one physician: pull, then skip (1 in 10) or submit, until time."""

    submits = 0
    lock = threading.Lock()

    def __init__(self, user, slug: str, deadline: float, seed: int) -> None:
        super().__init__(daemon=True)
        self.user, self.slug, self.deadline = user, slug, deadline
        self.rng = random.Random(seed)
        self.served: list[tuple[int, int]] = []  # (assignment id, sample id)
        self.submitted: list[int] = []  # review ids answered 2xx
        self.unexpected: list[tuple[str, int, str]] = []

    def run(self) -> None:
        client = APIClient()
        client.force_authenticate(self.user)
        try:
            while self.going():
                pulled = client.post(f"/api/projects/{self.slug}/next/")
                if pulled.status_code == 204:
                    time.sleep(0.05)
                    continue
                if not self.check("next", pulled):
                    continue
                body = pulled.json()
                self.served.append((body["id"], body["sample"]["id"]))
                if self.rng.random() < 0.1:
                    skipped = client.post(
                        f"/api/assignments/{body['id']}/skip/",
                        {"reason": "cannot_judge"},
                        format="json",
                    )
                    self.check("skip", skipped)
                    continue
                submitted = client.post(
                    f"/api/assignments/{body['id']}/submit/",
                    {"grades": grades(), "verdict": "accept", "client_key": uuid.uuid4().hex},
                    format="json",
                )
                if self.check("submit", submitted) and submitted.status_code in (200, 201):
                    self.submitted.append(submitted.json()["id"])
                    with Session.lock:
                        Session.submits += 1
        except Exception as exc:  # a crash in a thread must fail the test, not vanish
            self.unexpected.append(("crash", 0, repr(exc)))
        finally:
            connection.close()

    def going(self) -> bool:
        now = time.monotonic()
        if now < self.deadline:
            return True
        return Session.submits < MIN_SUBMITS and now < self.deadline - DURATION + LIMIT

    def check(self, what: str, response) -> bool:
        if response.status_code not in EXPECTED:
            self.unexpected.append((what, response.status_code, response.content[:300].decode()))
            return False
        return response.status_code in (200, 201)


@pytest.mark.usefixtures("committed_db")
def test_many_physicians_at_once_never_over_assign_or_lose_a_submit(cohort):
    project = ProjectFactory(cohorts=[cohort], overlap=K, slug="stampede")
    samples(project, SAMPLES)
    physicians = PhysicianFactory.create_batch(SOLO + DOUBLE, specialties=["cardiology"])
    for physician in physicians:
        join(cohort, physician)

    Session.submits = 0
    deadline = time.monotonic() + DURATION
    sessions = [
        Session(p.user, project.slug, deadline, seed=i) for i, p in enumerate(physicians)
    ] + [
        Session(p.user, project.slug, deadline, seed=1000 + i)
        for i, p in enumerate(physicians[SOLO:])
    ]
    for session in sessions:
        session.start()
    for session in sessions:
        session.join(timeout=LIMIT + 60)
    assert not any(s.is_alive() for s in sessions), "a session hung"

    unexpected = [u for s in sessions for u in s.unexpected]
    assert unexpected == [], unexpected[:5]

    # Every submit answered 2xx is in the database, as that physician's review.
    answered = {(s.user.pk, review_id) for s in sessions for review_id in s.submitted}
    stored = set(Review.objects.values_list("reviewer_id", "id"))
    assert answered <= stored
    assert len(answered) >= MIN_SUBMITS, "too little happened to prove anything"
    print(
        f"{sum(len(s.served) for s in sessions)} pulls, {len(answered)} submits answered 2xx, "
        f"{Assignment.objects.filter(status='skipped').count()} skips"
    )

    # No physician was given a sample twice (two tabs share one lease, never two).
    seen: dict[tuple[int, int], set[int]] = defaultdict(set)
    for s in sessions:
        for assignment_id, sample_id in s.served:
            seen[(s.user.pk, sample_id)].add(assignment_id)
    assert all(len(ids) == 1 for ids in seen.values())
    per_pair = Counter(Assignment.objects.values_list("reviewer_id", "sample_id"))
    assert max(per_pair.values()) == 1
    assert max(Counter(Review.objects.values_list("reviewer_id", "sample_id")).values()) == 1

    # No sample ever over k; slots_open equals what is really held.
    rows = Sample.objects.filter(project=project).annotate(
        leases=Count("assignments", filter=Q(assignments__status="leased"), distinct=True),
        reviewed=Count("reviews", distinct=True),
    )
    for sample in rows:
        assert sample.reviewed <= K, sample.external_id
        assert sample.leases + sample.reviewed <= K, sample.external_id
        assert sample.slots_open == K - sample.leases - sample.reviewed, sample.external_id
        assert sample.reviews_done == sample.reviewed
        assert (sample.status == "complete") == (sample.reviewed == K)
