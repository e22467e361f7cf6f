"""Side-by-side comparisons: the responses of a comparison sample and physicians' judgments.

A comparison project's samples are ordinary `Sample` rows (so leases, overlap, skips and the fast
assignment path work unchanged) whose `answer` is empty; the 2-4 candidate responses live here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .project import Project
from .review import Assignment
from .sample import Sample

TIE = "tie"


class SampleResponse(models.Model):
    """One candidate response of a comparison sample, in the order the file gave them."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="responses")
    key = models.CharField(max_length=64, help_text='The response id of the file, e.g. "r1".')
    position = models.PositiveSmallIntegerField()
    model = models.CharField(max_length=200, help_text="Never shown to reviewers.")
    reasoning = models.TextField(blank=True)
    content = models.TextField()

    class Meta:
        ordering = ["sample", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "key"], name="sample_response_key_unique"),
            models.UniqueConstraint(
                fields=["sample", "position"], name="sample_response_position_unique"
            ),
            models.CheckConstraint(condition=~Q(key=TIE), name="sample_response_key_not_tie"),
        ]

    def __str__(self) -> str:
        return f"{self.sample_id}/{self.key}"


class Comparison(models.Model):
    """One physician's judgment of one comparison sample."""

    class Source(models.TextChoices):
        WEB = "web", "Web"
        IMPORT = "import", "Import"

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="comparisons", db_index=False
    )
    sample = models.ForeignKey(
        Sample, on_delete=models.CASCADE, related_name="comparisons", db_index=False
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comparisons"
    )
    assignment = models.OneToOneField(
        Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="comparison"
    )
    preferred = models.CharField(max_length=64, help_text='A response key, or "tie".')
    axes = models.JSONField(
        default=dict, blank=True, help_text='Axis key -> response key or "tie".'
    )
    ranking = models.JSONField(default=list, blank=True, help_text="Response keys, best first.")
    rationale = models.TextField(blank=True)
    display_order = models.JSONField(
        default=list, blank=True, help_text="Response keys in the order this physician saw them."
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.WEB)
    submitted_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "reviewer"], name="comparison_once"),
            models.CheckConstraint(condition=~Q(preferred=""), name="comparison_has_preference"),
        ]
        indexes = [models.Index(fields=["project", "sample"], name="comparison_project_sample")]

    def __str__(self) -> str:
        return f"{self.sample_id} by {self.reviewer_id}: {self.preferred}"


class ComparisonOrder(models.Model):
    """The shuffled order in which a physician is shown a sample's responses; fixed once drawn."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="+", db_index=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    order = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sample", "reviewer"], name="comparison_order_once")
        ]
