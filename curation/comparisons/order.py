"""The order a physician sees a sample's responses in: shuffled once per physician, then kept."""

from __future__ import annotations

import random

from django.db import IntegrityError, transaction

from curation.models import ComparisonOrder, Sample


def display_order(*, sample: Sample, reviewer) -> list[str]:
    """This physician's order of the sample's response keys; drawn at the first look and stored,
    so a reload, a draft and the recorded judgment all agree on what was shown first."""
    found = ComparisonOrder.objects.filter(sample=sample, reviewer_id=reviewer.pk).first()
    if found is not None:
        return list(found.order)
    keys = list(sample.responses.order_by("position").values_list("key", flat=True))
    random.SystemRandom().shuffle(keys)
    try:
        with transaction.atomic():
            ComparisonOrder.objects.create(sample=sample, reviewer_id=reviewer.pk, order=keys)
    except IntegrityError:  # drawn at the same moment by another request of the same physician
        return list(ComparisonOrder.objects.get(sample=sample, reviewer_id=reviewer.pk).order)
    return keys
