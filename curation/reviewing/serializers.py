"""Input and output shapes of the reviewer workflow API.

Blind review lives here as much as in the selectors: a physician's payloads carry their own
work only. No reviewer lists, no per-sample counts or status, and nothing that tells a gold
item from any other (`is_gold` and `gold_grades` are never serialised for physicians).
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from curation import access
from curation.models import Assignment, Criterion, Project, Review, ReviewRevision, Rubric, Sample
from curation.models.review import SkipReason
from curation.reviewing.lifecycle import QUARANTINED

# --- output -----------------------------------------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = [
            "key",
            "label",
            "guidance",
            "kind",
            "min_value",
            "max_value",
            "labels",
            "choices",
            "points",
            "axis",
            "allow_na",
        ]


class RubricSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = Rubric
        fields = ["name", "family", "version", "criteria"]


class ProjectSerializer(serializers.ModelSerializer):
    """A project as a reviewer sees it, with their own progress."""

    my_done = serializers.IntegerField(read_only=True, help_text="My reviews in this project.")
    my_leased = serializers.IntegerField(read_only=True, help_text="My live leases.")
    remaining = serializers.IntegerField(
        read_only=True, help_text="Samples still needing reviews that I could be given."
    )
    status = serializers.CharField(read_only=True, help_text="active or paused.")
    url = serializers.SerializerMethodField()
    next_url = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "slug",
            "name",
            "status",
            "overlap",
            "lease_minutes",
            "specialty_match",
            "per_physician_cap",
            "my_done",
            "my_leased",
            "remaining",
            "url",
            "next_url",
        ]

    def get_url(self, project: Project) -> str:
        return reverse("api-project-detail", args=[project.slug])

    def get_next_url(self, project: Project) -> str:
        return reverse("api-project-next", args=[project.slug])


class ProjectDetailSerializer(ProjectSerializer):
    rubric = RubricSerializer(read_only=True)

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "guidelines", "rubric"]


class SpecialtySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class SampleSerializer(serializers.ModelSerializer):
    """What a physician needs to review a sample, and nothing about who else did."""

    specialty = SpecialtySerializer(read_only=True, allow_null=True)
    reasoning_words = serializers.SerializerMethodField()
    guidelines_url = serializers.SerializerMethodField()

    class Meta:
        model = Sample
        fields = [
            "id",
            "external_id",
            "messages",
            "reasoning",
            "reasoning_words",
            "answer",
            "images",
            "specialty",
            "guidelines_url",
        ]

    def get_reasoning_words(self, sample: Sample) -> int:
        return len((sample.reasoning or "").split())

    def get_guidelines_url(self, sample: Sample) -> str:
        return reverse("api-project-detail", args=[sample.project.slug]) + "#guidelines"


class AssignmentSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    status = serializers.CharField(
        read_only=True, help_text="leased, submitted, skipped or expired."
    )
    skip_reason = serializers.CharField(read_only=True)
    sample = SampleSerializer(read_only=True, allow_null=True)
    withheld = serializers.SerializerMethodField(
        help_text='Why `sample` is null: "quarantined" (it may hold patient identifiers).'
    )
    draft = serializers.SerializerMethodField()
    review = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "project",
            "status",
            "served_at",
            "expires_at",
            "completed_at",
            "skip_reason",
            "skip_note",
            "sample",
            "withheld",
            "draft",
            "review",
        ]

    @staticmethod
    def _withheld(assignment: Assignment) -> str | None:
        sample = assignment.sample
        # A fresh lease from the fast path loads only what it shows: it never leases a
        # quarantined sample, so its flag need not be read.
        if "quarantined" in sample.get_deferred_fields():
            return None
        return QUARANTINED if sample.quarantined else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_withheld(self, assignment: Assignment) -> str | None:
        return self._withheld(assignment)

    def to_representation(self, assignment: Assignment) -> dict:
        data = super().to_representation(assignment)
        if data["withheld"] is not None:
            data["sample"] = None  # no content of a quarantined sample leaves the server
            data["draft"] = None
        return data

    @extend_schema_field({"type": "object", "nullable": True})
    def get_draft(self, assignment: Assignment) -> dict | None:
        viewer = self.context.get("viewer")
        if viewer is not None and not access.shows_draft(viewer, assignment):
            return None
        draft = getattr(assignment, "draft", None)
        return draft.payload if draft is not None else None

    def get_review(self, assignment: Assignment) -> int | None:
        review = getattr(assignment, "review", None)
        return review.pk if review is not None else None


class ReviewRevisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewRevision
        fields = [
            "revision",
            "grades",
            "verdict",
            "corrected_answer",
            "rationale",
            "flags",
            "created_at",
        ]


class SampleRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()


class ReviewSerializer(serializers.ModelSerializer):
    """One's own review; `original_answer` keeps the answer as it was, so a diff can be shown."""

    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    sample = SampleRefSerializer(read_only=True)
    revisions = ReviewRevisionSerializer(many=True, read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "assignment",
            "project",
            "sample",
            "grades",
            "verdict",
            "corrected_answer",
            "original_answer",
            "rationale",
            "flags",
            "revision",
            "source",
            "time_on_task_ms",
            "submitted_at",
            "updated_at",
            "revisions",
        ]


class ReviewerStatsSerializer(serializers.Serializer):
    today = serializers.IntegerField()
    total = serializers.IntegerField()
    median_seconds = serializers.FloatField(allow_null=True)
    gold_accuracy = serializers.FloatField(
        allow_null=True, help_text="Share of gold reference grades matched."
    )
    gold_scored = serializers.IntegerField()


# --- input ------------------------------------------------------------------------------------


class ReviewInputSerializer(serializers.Serializer):
    """Grades are checked against the rubric by the service, with one error per criterion."""

    grades = serializers.JSONField(
        help_text="Criterion key -> value: true/false for binary and points, an integer for "
        "ordinal, one of the choices for nominal, null for not applicable."
    )
    verdict = serializers.CharField(help_text="accept, revise or reject.")
    corrected_answer = serializers.CharField(required=False, allow_blank=True, default="")
    rationale = serializers.CharField(required=False, allow_blank=True, default="")
    flags = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list
    )


class SubmitInputSerializer(ReviewInputSerializer):
    client_key = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=100,
        help_text="Makes the submit idempotent (or send an Idempotency-Key header).",
    )
    time_on_task_ms = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=2_147_483_647
    )


class AmendInputSerializer(ReviewInputSerializer):
    pass


class SkipInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=SkipReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


def _without_nul(value, where: str) -> None:
    """PostgreSQL's jsonb cannot hold U+0000: say where it is instead of failing on save."""
    if isinstance(value, str) and "\x00" in value:
        raise serializers.ValidationError(f"{where}: null characters are not allowed.")
    if isinstance(value, dict):
        for key, item in value.items():
            _without_nul(key, f"{where}.{key!r}")
            _without_nul(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _without_nul(item, f"{where}[{index}]")


class DraftInputSerializer(serializers.Serializer):
    payload = serializers.DictField(help_text="The unsubmitted form state, as the page keeps it.")

    def validate_payload(self, payload: dict) -> dict:
        _without_nul(payload, "payload")
        return payload


class ProjectQuerySerializer(serializers.Serializer):
    """`?project=<slug>` on the list endpoints; empty means every project."""

    project = serializers.SlugField(required=False, allow_blank=True)


class AssignmentQuerySerializer(ProjectQuerySerializer):
    status = serializers.ChoiceField(
        choices=["live", *Assignment.Status.values], required=False, allow_blank=True
    )
