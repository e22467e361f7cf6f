"""A Rounds project's link to a Label Studio project, and which task holds which sample."""

from __future__ import annotations

import base64
import hashlib

from django.conf import settings
from django.db import models

from .project import Project
from .sample import Sample


def _fernet():
    """Fernet keyed on SECRET_KEY (and its fallbacks, so a key rotation can still decrypt)."""
    from cryptography.fernet import Fernet, MultiFernet

    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    keys = [
        Fernet(
            base64.urlsafe_b64encode(hashlib.sha256(f"rounds.labelstudio:{s}".encode()).digest())
        )
        for s in secrets
    ]
    return MultiFernet(keys)


class LabelStudioLink(models.Model):
    """Where a project's Label Studio copy lives. The API token is stored encrypted (or left
    empty, in which case settings.LABEL_STUDIO_TOKEN is used) and is never shown back in full."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="labelstudio_link"
    )
    url = models.URLField(max_length=500, help_text="Base URL of the Label Studio server.")
    token_encrypted = models.TextField(blank=True, editable=False)
    token_last4 = models.CharField(max_length=4, blank=True, editable=False)
    ls_project_id = models.PositiveIntegerField(null=True, blank=True)
    last_push_at = models.DateTimeField(null=True, blank=True)
    last_pull_at = models.DateTimeField(null=True, blank=True)
    last_pull_report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Label Studio link"

    def __str__(self) -> str:
        return f"{self.project} → {self.url} project {self.ls_project_id or '(not pushed)'}"

    def set_token(self, token: str) -> None:
        token = (token or "").strip()
        self.token_encrypted = _fernet().encrypt(token.encode()).decode() if token else ""
        self.token_last4 = token[-4:] if token else ""

    def get_token(self) -> str:
        """The stored token, or the one from settings; '' when there is neither."""
        if not self.token_encrypted:
            return settings.LABEL_STUDIO_TOKEN or ""
        from cryptography.fernet import InvalidToken

        try:
            return _fernet().decrypt(self.token_encrypted.encode()).decode()
        except InvalidToken:
            return ""

    @property
    def token_hint(self) -> str:
        if self.token_last4:
            return f"…{self.token_last4}"
        return "(from settings)" if settings.LABEL_STUDIO_TOKEN else "(none)"


class LabelStudioTask(models.Model):
    """One sample as one Label Studio task: unique both ways."""

    link = models.ForeignKey(LabelStudioLink, on_delete=models.CASCADE, related_name="tasks")
    sample = models.OneToOneField(Sample, on_delete=models.CASCADE, related_name="labelstudio_task")
    ls_task_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Label Studio task"
        constraints = [
            models.UniqueConstraint(fields=["link", "ls_task_id"], name="labelstudio_task_once"),
        ]

    def __str__(self) -> str:
        return f"sample {self.sample_id} ↔ task {self.ls_task_id}"
