"""Sample-specific criteria (HealthBench style), their history, validations and grades.

A criterion belongs to one sample: text, points (-10..10, never 0), an axis, a level (`example`
or `cluster`) and free tags. Physicians write and validate them; physicians and registered model
graders mark each met or not met for the sample's response.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .sample import Sample

AXES = (
    "accuracy",
    "completeness",
    "communication_quality",
    "context_awareness",
    "instruction_following",
)
LEVELS = ("example", "cluster")


class ModelGrader(models.Model):
    """A model that grades, registered by name and version: no licence, no invitation."""

    name = models.CharField(max_length=100)
    version = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    # The account its project-rubric reviews are recorded under (Review.is_model is set): inactive,
    # without password or physician profile, so it can never sign in or be served work.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="model_grader",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="model_grader_name_version"),
            models.CheckConstraint(
                condition=~Q(name="") & ~Q(version=""), name="model_grader_named"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"


class SampleCriterion(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        VALIDATED = "validated", "Validated"
        DISPUTED = "disputed", "Disputed"
        REJECTED = "rejected", "Rejected"

    class Level(models.TextChoices):
        EXAMPLE = "example", "Example"
        CLUSTER = "cluster", "Cluster"

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveIntegerField()
    text = models.TextField()
    points = models.SmallIntegerField()
    axis = models.CharField(max_length=32)
    level = models.CharField(max_length=16, choices=Level.choices, default=Level.EXAMPLE)
    tags = models.JSONField(default=list, blank=True, help_text="Tags besides level and axis.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROPOSED)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_criteria",
    )
    imported = models.BooleanField(default=False)
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sample", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["sample", "position"], name="sample_criterion_position"
            ),
            models.CheckConstraint(
                condition=Q(points__gte=-10) & Q(points__lte=10) & ~Q(points=0),
                name="sample_criterion_points_range",
            ),
            models.CheckConstraint(condition=Q(axis__in=AXES), name="sample_criterion_axis"),
            models.CheckConstraint(condition=Q(level__in=LEVELS), name="sample_criterion_level"),
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "validated", "disputed", "rejected"]),
                name="sample_criterion_status",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="sample_criterion_has_text"),
        ]
        indexes = [models.Index(fields=["status"], name="sample_criterion_status_idx")]

    def __str__(self) -> str:
        return f"[{self.points}] {self.text[:60]}"

    @property
    def all_tags(self) -> list[str]:
        """HealthBench's tag list: level, axis, then the rest."""
        return [f"level:{self.level}", f"axis:{self.axis}", *self.tags]


class SampleCriterionEdit(models.Model):
    """Every version of a criterion, the first included, and every status change; never changed."""

    criterion = models.ForeignKey(SampleCriterion, on_delete=models.CASCADE, related_name="edits")
    revision = models.PositiveIntegerField()
    action = models.CharField(max_length=32)
    text = models.TextField()
    points = models.SmallIntegerField()
    axis = models.CharField(max_length=32)
    level = models.CharField(max_length=16)
    tags = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["criterion", "id"]


class CriterionValidation(models.Model):
    """One physician's judgement of another's criterion."""

    class Decision(models.TextChoices):
        AGREE = "agree", "Agree"
        DISAGREE = "disagree", "Disagree"
        EDIT = "edit", "Needs an edit"

    criterion = models.ForeignKey(
        SampleCriterion, on_delete=models.CASCADE, related_name="validations"
    )
    validator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="criterion_validations"
    )
    decision = models.CharField(max_length=16, choices=Decision.choices)
    suggested_text = models.TextField(blank=True)
    suggested_points = models.SmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["criterion", "validator"], name="criterion_validation_once"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=["agree", "disagree", "edit"]),
                name="criterion_validation_decision",
            ),
            models.CheckConstraint(
                condition=~Q(decision="edit") | ~Q(suggested_text=""),
                name="criterion_validation_edit_has_text",
            ),
        ]


class CriterionGrade(models.Model):
    """Met or not met, for the sample's response, by one physician or one model grader."""

    criterion = models.ForeignKey(SampleCriterion, on_delete=models.CASCADE, related_name="grades")
    physician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="criterion_grades",
    )
    model_grader = models.ForeignKey(
        ModelGrader, null=True, blank=True, on_delete=models.PROTECT, related_name="grades"
    )
    met = models.BooleanField()
    explanation = models.TextField(blank=True)
    source = models.CharField(max_length=16, default="web")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(physician__isnull=True) ^ Q(model_grader__isnull=True),
                name="criterion_grade_one_grader",
            ),
            models.UniqueConstraint(
                fields=["criterion", "physician"],
                condition=Q(physician__isnull=False),
                name="criterion_grade_once_physician",
            ),
            models.UniqueConstraint(
                fields=["criterion", "model_grader"],
                condition=Q(model_grader__isnull=False),
                name="criterion_grade_once_model",
            ),
        ]


class ModelGraderToken(models.Model):
    """A key a model grader posts its grades with, scoped to projects; only a hash is stored."""

    grader = models.ForeignKey(ModelGrader, on_delete=models.CASCADE, related_name="tokens")
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    projects = models.ManyToManyField("curation.Project", related_name="grader_tokens")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.grader} ({self.prefix}…)"
