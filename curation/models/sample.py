from __future__ import annotations

from django.db import models
from django.db.models import Q

from annotators.models import Specialty

from .project import Project


class Sample(models.Model):
    """One health-reasoning item: a conversation, the model's reasoning and its answer."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"  # still collecting reviews
        COMPLETE = "complete", "Complete"  # k reviews in, awaiting consensus
        ADJUDICATION = "adjudication", "In adjudication"
        SETTLED = "settled", "Settled"

    # Covered by the (project, external_id) and (project, status) indexes; every slot taken
    # rewrites each index of the row, so no single-column copy.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="samples", db_index=False
    )
    external_id = models.CharField(max_length=200)
    messages = models.JSONField(help_text='Chat turns: [{"role": "user", "content": "..."}].')
    reasoning = models.TextField(blank=True)
    answer = models.TextField()
    images = models.JSONField(default=list, blank=True)
    specialty = models.ForeignKey(
        Specialty, null=True, blank=True, on_delete=models.PROTECT, related_name="samples"
    )
    metadata = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    # Assignment bookkeeping: places left for a lease or review (starts at the project's k).
    slots_open = models.PositiveSmallIntegerField(default=0)
    reviews_done = models.PositiveSmallIntegerField(default=0)
    is_gold = models.BooleanField(default=False)
    gold_grades = models.JSONField(null=True, blank=True, help_text="Reference grades by key.")
    quarantined = models.BooleanField(default=False)
    quarantine_reasons = models.JSONField(default=list, blank=True)
    # The sample's final label, from consensus or adjudication.
    final_grades = models.JSONField(null=True, blank=True)
    final_verdict = models.CharField(max_length=16, blank=True)
    final_answer = models.TextField(blank=True)
    final_source = models.CharField(max_length=16, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "external_id"], name="sample_external_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(slots_open__gte=0), name="sample_slots_open_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "complete", "adjudication", "settled"]),
                name="sample_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(is_gold=True) | Q(gold_grades__isnull=False),
                name="sample_gold_has_reference",
            ),
            models.CheckConstraint(
                condition=~Q(external_id=""), name="sample_external_id_not_empty"
            ),
        ]
        indexes = [
            models.Index(
                fields=["project", "slots_open", "id"],
                name="sample_open_queue",
                condition=Q(slots_open__gt=0, quarantined=False),
            ),
            models.Index(fields=["project", "status"], name="sample_project_status"),
        ]

    def __str__(self) -> str:
        return f"{self.project.slug}/{self.external_id}"

    @property
    def prompt(self) -> str:
        """The last user turn: what the model answered."""
        for message in reversed(self.messages or []):
            if message.get("role") == "user":
                return message.get("content", "")
        return ""
