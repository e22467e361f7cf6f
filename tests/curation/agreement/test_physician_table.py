"""The physician table's work figures: reviews, median time per review, active days."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from curation.agreement.services import agreement_compute
from curation.models import Review

from .conftest import AGREE, record_review


def test_work_figures_per_physician(project, panel, make_sample):
    first_day = timezone.now() - dt.timedelta(days=5)
    for i, minutes in enumerate([1, 2, 3, 10]):
        sample = make_sample()
        for j, physician in enumerate(panel):
            review = record_review(sample, physician, AGREE, time_ms=minutes * 60_000 * (j + 1))
            day = first_day + dt.timedelta(days=0 if i < 3 else 2)
            Review.objects.filter(pk=review.pk).update(submitted_at=day)
    report = agreement_compute(project=project)
    rows = {row["user_id"]: row for row in report.physicians}
    mine = rows[panel[0].user.pk]
    assert mine["reviews"] == 4
    assert mine["median_time_ms"] == 150_000.0  # median of 1, 2, 3 and 10 minutes
    assert mine["active_days"] == 2
    assert mine["reviews_per_active_day"] == 2.0
    assert rows[panel[1].user.pk]["median_time_ms"] == 300_000.0


def test_figures_are_broken_down_by_the_samples_specialty(project, panel, make_sample):
    from tests.factories import specialty

    cardiology, neurology = specialty("cardiology"), specialty("neurology")
    for i in range(6):
        kind = None if i == 5 else neurology if i % 3 == 0 else cardiology
        sample = make_sample(specialty=kind)
        for physician in panel:
            record_review(sample, physician, dict(AGREE, accurate=i % 2 == 0))
    report = agreement_compute(project=project)
    accurate = next(c for c in report.figures["criteria"] if c["key"] == "accurate")
    blocks = accurate["by_specialty"]
    assert set(blocks) == {cardiology.name, neurology.name}
    assert blocks[neurology.name]["n_items"] == 2  # samples 0 and 3
    assert blocks[cardiology.name]["n_items"] == 3  # 1, 2 and 4; sample 5 has no specialty
