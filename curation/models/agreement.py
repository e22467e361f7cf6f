"""Agreement reports (immutable once done), consensus labels per sample, adjudication decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .project import Project
from .sample import Sample


class AgreementReport(models.Model):
    """One run of the agreement job: what went in, every figure that came out."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="agreement_reports")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    method = models.CharField(max_length=16, default="dawid_skene")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    inputs = models.JSONField(default=dict, blank=True, help_text="What was counted going in.")
    figures = models.JSONField(default=dict, blank=True, help_text="Per criterion and verdict.")
    physicians = models.JSONField(default=list, blank=True, help_text="Physician quality table.")
    model_graders = models.JSONField(default=list, blank=True)
    settled = models.PositiveIntegerField(default=0)
    sent_to_adjudication = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of a running job (see the sweep)."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["running", "done", "failed"]),
                name="agreement_report_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status", "created_at"], name="agreement_report_latest")
        ]

    def __str__(self) -> str:
        return f"{self.project.slug} agreement {self.created_at:%Y-%m-%d %H:%M} ({self.status})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            stored = AgreementReport.objects.filter(pk=self.pk).values_list("status", flat=True)
            if stored.first() == self.Status.DONE:
                raise PermissionError("A finished agreement report is immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status == self.Status.DONE:
            raise PermissionError("A finished agreement report is immutable.")
        return super().delete(*args, **kwargs)


class ConsensusLabel(models.Model):
    """The latest consensus of one sample: value and confidence per criterion, and the verdict."""

    sample = models.OneToOneField(
        Sample, primary_key=True, on_delete=models.CASCADE, related_name="consensus"
    )
    # The job writes a million of these in one statement; the foreign keys below are kept by
    # the job itself (and Django's cascades), not by per-row database triggers.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    report = models.ForeignKey(
        AgreementReport,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
        help_text="The run that last changed this label.",
    )
    grades = models.JSONField(help_text="Criterion key -> consensus value (null: not applicable).")
    confidence = models.JSONField(help_text="Criterion key -> confidence in [0, 1].")
    verdict = models.CharField(max_length=16)
    verdict_confidence = models.FloatField()
    min_confidence = models.FloatField()
    n_reviews = models.PositiveSmallIntegerField()
    answer_from = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
        help_text="Whose correction the consensus takes when its verdict is revise.",
    )
    digest = models.BigIntegerField(
        default=0, help_text="Hash of everything above, so a run rewrites only changed labels."
    )

    def __str__(self) -> str:
        return f"consensus of {self.sample_id}: {self.verdict} ({self.min_confidence:.2f})"


class Adjudication(models.Model):
    """A lead physician's decision on a sample the reviewers did not agree on: its final label."""

    sample = models.OneToOneField(Sample, on_delete=models.CASCADE, related_name="adjudication")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adjudications"
    )
    grades = models.JSONField()
    verdict = models.CharField(max_length=16)
    final_answer = models.TextField(blank=True)
    note = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict__in=["accept", "revise", "reject"]),
                name="adjudication_verdict_valid",
            ),
            models.CheckConstraint(condition=~Q(note=""), name="adjudication_has_note"),
        ]

    def __str__(self) -> str:
        return f"adjudication of {self.sample_id} by {self.lead_id}: {self.verdict}"
