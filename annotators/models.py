"""Physicians, their credentials and specialties, and the cohorts they work in."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Specialty(models.Model):
    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200, unique=True)
    board = models.CharField(max_length=200, blank=True, help_text="Certifying board, if any.")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "specialties"

    def __str__(self) -> str:
        return self.name


class Physician(models.Model):
    """The profile of a reviewer account: a physician, or a model grader that imports grades."""

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", "Unverified"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Rejected"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="physician"
    )
    specialties = models.ManyToManyField(Specialty, blank=True, related_name="physicians")
    licence_number = models.CharField(max_length=64, blank=True)
    licence_jurisdiction = models.CharField(max_length=64, blank=True)
    verification = models.CharField(
        max_length=16, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="physicians_verified",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_note = models.TextField(blank=True)
    years_in_practice = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INVITED)
    status_reason = models.TextField(blank=True)
    is_model = models.BooleanField(
        default=False, help_text="A model grader (LLM judge): never counts toward consensus."
    )
    daily_cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most reviews a day; empty for no cap."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["licence_jurisdiction", "licence_number"],
                condition=~Q(licence_number=""),
                name="physician_licence_unique",
            ),
            models.CheckConstraint(
                condition=~Q(verification="verified")
                | (Q(verified_by__isnull=False) & Q(verified_at__isnull=False)),
                name="physician_verified_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(years_in_practice__isnull=True) | Q(years_in_practice__lte=80),
                name="physician_years_in_practice_range",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = self.user.get_full_name()
        return full or self.user.email or self.user.username


class Cohort(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(Physician, through="CohortMembership", related_name="cohorts")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CohortMembership(models.Model):
    class Role(models.TextChoices):
        REVIEWER = "reviewer", "Reviewer"
        LEAD = "lead", "Lead"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    physician = models.ForeignKey(Physician, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REVIEWER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "physician"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(role__in=["reviewer", "lead"]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.physician} in {self.cohort} ({self.role})"
