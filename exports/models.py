"""Versioned exports of curated samples, and the pipeline tokens that pull them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class DatasetFormat(models.TextChoices):
    SFT = "sft", "Supervised fine-tuning (chat messages)"
    PREFERENCE = "preference", "Preference pairs (prompt, chosen, rejected)"
    GRADED = "graded", "Graded (per-criterion consensus and score)"
    COMPARISON = "comparison", "Comparison judgments (side-by-side, raw)"


class FileFormat(models.TextChoices):
    JSONL = "jsonl", "JSON Lines"
    PARQUET = "parquet", "Parquet"


class PipelineToken(models.Model):
    """A key a training pipeline uses to list, create and download exports of some projects.

    Only a hash is stored; the key is shown once. Requests made with it run as `user`, a plain
    account with no staff rights and no physician profile, so every other permission says no.
    """

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    projects = models.ManyToManyField("curation.Project", related_name="pipeline_tokens")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pipeline_token"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Export(models.Model):
    """One build of a dataset. Once `done` it never changes (a database trigger enforces it)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    project = models.ForeignKey(
        "curation.Project", on_delete=models.PROTECT, related_name="exports"
    )
    version = models.PositiveIntegerField(help_text="1, 2, 3… per project.")
    format = models.CharField(max_length=16, choices=DatasetFormat.choices)
    file_format = models.CharField(
        max_length=16, choices=FileFormat.choices, default=FileFormat.JSONL
    )
    spec = models.JSONField(help_text="Normalised filters and split; what the build reads.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress_rows = models.BigIntegerField(default=0)
    total_rows = models.BigIntegerField(null=True, blank=True, help_text="Estimate at start.")
    row_count = models.BigIntegerField(null=True, blank=True)
    byte_size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, help_text="Of the train (main) file.")
    files = models.JSONField(default=list, blank=True, help_text="Every data file, with checksums.")
    storage_prefix = models.CharField(max_length=300, blank=True)
    manifest = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempt = models.PositiveIntegerField(default=0, help_text="Build attempts; a newer one wins.")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_token = models.ForeignKey(
        PipelineToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="exports"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="export_version_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="export_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="done")
                | (Q(row_count__isnull=False) & Q(byte_size__isnull=False) & ~Q(sha256="")),
                name="export_done_has_checksum",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error=""), name="export_failed_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "format", "status"], name="export_latest"),
            models.Index(fields=["status", "heartbeat_at"], name="export_status_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"{self.project.slug} v{self.version} {self.format}.{self.file_format}"

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(100 * self.progress_rows / self.total_rows))

    def file_for(self, split: str | None = None) -> dict | None:
        """The data file of a split (the first, `train`, by default)."""
        for entry in self.files or []:
            if split is None or entry["split"] == split:
                return entry
        return None
