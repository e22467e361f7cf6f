from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from annotators.models import Cohort

from .rubric import Rubric


class Project(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        ARCHIVED = "archived", "Archived"

    class Kind(models.TextChoices):
        GRADING = "grading", "Grading"
        COMPARISON = "comparison", "Comparison"
        RUBRIC_AUTHORING = "rubric_authoring", "Rubric authoring"

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    guidelines = models.TextField(blank=True, help_text="Markdown shown to reviewers.")
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="projects")
    overlap = models.PositiveSmallIntegerField(default=3, help_text="Reviewers per sample (k).")
    cohorts = models.ManyToManyField(Cohort, blank=True, related_name="projects")
    specialty_match = models.BooleanField(
        default=True, help_text="Serve a sample only to physicians of its specialty."
    )
    gold_rate = models.FloatField(default=0.0, help_text="Share of served items that are gold.")
    consensus_threshold = models.FloatField(
        default=0.7, help_text="Consensus confidence a sample needs on every item to settle."
    )
    lease_minutes = models.PositiveIntegerField(default=30)
    image_hosts = models.JSONField(
        default=list,
        blank=True,
        help_text="Hosts whose https images the review page may load (e.g. images.example.org); "
        "other image URLs are shown as a note, never fetched.",
    )
    per_physician_cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most reviews one physician may do in this project."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    kind = models.CharField(
        max_length=32,
        choices=Kind.choices,
        default=Kind.GRADING,
        help_text=(
            "Grading: one answer graded on the rubric. Comparison: 2-4 responses compared. "
            "Rubric authoring: physicians write and validate criteria for each sample."
        ),
    )
    comparison_axes = models.JSONField(
        default=list, blank=True, help_text="Comparison axes: [{key, label, guidance}]."
    )
    allow_ties = models.BooleanField(default=True, help_text="Comparison: a tie may be chosen.")
    criteria_validators = models.PositiveSmallIntegerField(
        default=2, help_text="Rubric authoring: physicians who validate each criterion."
    )
    criteria_agree_share = models.FloatField(
        default=0.67, help_text="Rubric authoring: share of validators who must agree to keep it."
    )
    admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="administered_projects"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(overlap__gte=1) & Q(overlap__lte=50), name="project_overlap_range"
            ),
            models.CheckConstraint(
                condition=Q(gold_rate__gte=0) & Q(gold_rate__lte=1), name="project_gold_rate_range"
            ),
            models.CheckConstraint(
                condition=Q(consensus_threshold__gte=0) & Q(consensus_threshold__lte=1),
                name="project_consensus_threshold_range",
            ),
            models.CheckConstraint(
                condition=Q(lease_minutes__gte=1), name="project_lease_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_comparison(self) -> bool:
        return self.kind == self.Kind.COMPARISON
