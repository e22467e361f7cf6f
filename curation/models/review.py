"""Assignments (leases), reviews, their revisions, and autosaved drafts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .project import Project
from .rubric import Rubric
from .sample import Sample


class Verdict(models.TextChoices):
    ACCEPT = "accept", "Accept"
    REVISE = "revise", "Revise"
    REJECT = "reject", "Reject"


class SkipReason(models.TextChoices):
    OUTSIDE_SPECIALTY = "outside_specialty", "Outside my specialty"
    CONFLICT_OF_INTEREST = "conflict_of_interest", "Conflict of interest"
    CANNOT_JUDGE = "cannot_judge", "Cannot judge"
    NEEDS_CONTEXT = "needs_context", "Needs more context"


class Assignment(models.Model):
    """A physician's lease on a sample; becomes submitted or skipped, or expires."""

    class Status(models.TextChoices):
        LEASED = "leased", "Leased"
        SUBMITTED = "submitted", "Submitted"
        SKIPPED = "skipped", "Skipped"
        EXPIRED = "expired", "Expired"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assignments")
    # Looked up through `assignment_once` (sample, reviewer) and the reviewer's composite
    # indexes; a single-column index of each would only slow every lease.
    sample = models.ForeignKey(
        Sample, on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="assignments",
        db_index=False,
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.LEASED)
    served_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=32, choices=SkipReason.choices, blank=True)
    skip_note = models.TextField(blank=True)

    class Meta:
        constraints = [
            # The database forbids the same physician holding the same sample twice.
            models.UniqueConstraint(fields=["sample", "reviewer"], name="assignment_once"),
            models.CheckConstraint(
                condition=Q(status__in=["leased", "submitted", "skipped", "expired"]),
                name="assignment_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="skipped") | ~Q(skip_reason=""),
                name="assignment_skip_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["reviewer", "status"], name="assignment_reviewer_status"),
            models.Index(
                fields=["expires_at"],
                name="assignment_lease_expiry",
                condition=Q(status="leased"),
            ),
            # "Does this physician hold a live lease here?", asked on every pull: one probe,
            # instead of a walk over everyone's live leases in the expiry index.
            models.Index(
                fields=["reviewer", "project"],
                name="assignment_live_lease",
                condition=Q(status="leased"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sample} → {self.reviewer} ({self.status})"


class Review(models.Model):
    class Source(models.TextChoices):
        WEB = "web", "Web"
        API = "api", "API"
        IMPORT = "import", "Import"
        LABEL_STUDIO = "labelstudio", "Label Studio"

    # Each is the leading column of a composite index below (by time, once per sample), so
    # none needs a single-column index of its own.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="reviews", db_index=False
    )
    sample = models.ForeignKey(
        Sample, on_delete=models.CASCADE, related_name="reviews", db_index=False
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews", db_index=False
    )
    assignment = models.OneToOneField(
        Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="review"
    )
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="reviews")
    grades = models.JSONField(help_text="Criterion key -> value; null where not applicable.")
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    corrected_answer = models.TextField(blank=True)
    original_answer = models.TextField(blank=True, help_text="The answer as it was when reviewed.")
    rationale = models.TextField(blank=True)
    flags = models.JSONField(default=list, blank=True)
    is_model = models.BooleanField(default=False, help_text="Graded by a model, not a physician.")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.WEB)
    client_key = models.CharField(max_length=100, blank=True)
    external_ref = models.CharField(max_length=100, blank=True)
    time_on_task_ms = models.PositiveIntegerField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)
    submitted_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    grade_codes = models.BinaryField(
        null=True,
        blank=True,
        editable=False,
        help_text="The grades and verdict as int16 category codes in rubric order, for the "
        "agreement job; recomputed whenever the grades or verdict are saved.",
    )

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "reviewer"], name="review_once_per_sample"),
            models.UniqueConstraint(
                fields=["reviewer", "client_key"],
                condition=~Q(client_key=""),
                name="review_client_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(verdict__in=["accept", "revise", "reject"]), name="review_verdict_valid"
            ),
            models.CheckConstraint(
                condition=~Q(verdict="revise") | ~Q(corrected_answer=""),
                name="review_revise_has_correction",
            ),
            models.CheckConstraint(
                condition=Q(verdict="accept") | ~Q(rationale=""),
                name="review_rationale_unless_accept",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "submitted_at"], name="review_project_time"),
            models.Index(fields=["reviewer", "submitted_at"], name="review_reviewer_time"),
        ]

    def __str__(self) -> str:
        return f"{self.sample} by {self.reviewer} ({self.verdict})"

    def save(self, *args, criteria=None, **kwargs):
        """Saves, storing the grades' codes too; `criteria` spares reading the rubric again."""
        update_fields = kwargs.get("update_fields")
        if update_fields is None or {"grades", "verdict"} & set(update_fields):
            from curation.rubrics.codes import grade_codes_encode, rubric_items

            self.grade_codes = grade_codes_encode(
                rubric_items(self.rubric_id, criteria), self.grades, self.verdict
            )
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "grade_codes"}
        super().save(*args, **kwargs)


class ReviewRevision(models.Model):
    """Every version of a review, the first included; never changed."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    grades = models.JSONField()
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    corrected_answer = models.TextField(blank=True)
    rationale = models.TextField(blank=True)
    flags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["review", "revision"], name="review_revision_unique")
        ]


class ReviewDraft(models.Model):
    """Autosaved, unsubmitted form state, so a closed tab loses nothing."""

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="draft")
    payload = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
