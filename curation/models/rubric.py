"""Rubrics and their ordered criteria. A rubric with reviews is frozen; a change makes a version."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class Axis(models.TextChoices):
    ACCURACY = "accuracy", "Accuracy"
    COMPLETENESS = "completeness", "Completeness"
    COMMUNICATION = "communication", "Communication quality"
    CONTEXT_AWARENESS = "context_awareness", "Context awareness"
    SAFETY = "safety", "Safety"
    REASONING_EFFICIENCY = "reasoning_efficiency", "Reasoning efficiency"


class Rubric(models.Model):
    family = models.SlugField(max_length=100, help_text="Stable name shared by all versions.")
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["family", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="rubric_family_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="rubric_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_frozen(self) -> bool:
        """True once any review was graded against this version."""
        return self.reviews.exists()


class Criterion(models.Model):
    class Kind(models.TextChoices):
        BINARY = "binary", "Binary (met / not met)"
        ORDINAL = "ordinal", "Ordinal scale"
        NOMINAL = "nominal", "Nominal choices"
        POINTS = "points", "Points (HealthBench-style)"

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveIntegerField()
    key = models.SlugField(max_length=64)
    label = models.CharField(max_length=300)
    guidance = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    min_value = models.IntegerField(null=True, blank=True)
    max_value = models.IntegerField(null=True, blank=True)
    labels = models.JSONField(
        default=dict, blank=True, help_text="Ordinal: value -> label, e.g. {'1': 'Poor'}."
    )
    choices = models.JSONField(default=list, blank=True, help_text="Nominal: allowed values.")
    points = models.IntegerField(null=True, blank=True, help_text="Points: -10..+10.")
    axis = models.CharField(max_length=32, choices=Axis.choices, blank=True)
    allow_na = models.BooleanField(default=False, help_text="Reviewers may mark not applicable.")

    class Meta:
        ordering = ["rubric", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "key"], name="criterion_key_unique"),
            models.UniqueConstraint(
                fields=["rubric", "position"], name="criterion_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["binary", "ordinal", "nominal", "points"]),
                name="criterion_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind="ordinal")
                | (
                    Q(min_value__isnull=False)
                    & Q(max_value__isnull=False)
                    & Q(max_value__gt=F("min_value"))
                ),
                name="criterion_ordinal_has_range",
            ),
            models.CheckConstraint(
                condition=~Q(kind="points")
                | (Q(points__isnull=False) & Q(points__gte=-10) & Q(points__lte=10) & ~Q(points=0)),
                name="criterion_points_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.kind})"

    def categories(self) -> list:
        """Every value a grade may take, in order (for agreement statistics and forms)."""
        if self.kind in (self.Kind.BINARY, self.Kind.POINTS):
            return [False, True]
        if self.kind == self.Kind.ORDINAL:
            return list(range(self.min_value, self.max_value + 1))
        return list(self.choices)
