"""Input and output shapes of the agreement and adjudication API."""

from __future__ import annotations

from rest_framework import serializers

from core.fields import PublicErrorField
from curation.access import REVIEWED_IT
from curation.models import AgreementReport, Review, Sample
from curation.models.review import Verdict


class ReportSummarySerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.slug")
    alpha = serializers.SerializerMethodField()
    error = PublicErrorField()

    class Meta:
        model = AgreementReport
        fields = [
            "id",
            "project",
            "status",
            "method",
            "created_at",
            "finished_at",
            "duration_ms",
            "inputs",
            "settled",
            "sent_to_adjudication",
            "alpha",
            "error",
        ]

    def get_alpha(self, report: AgreementReport) -> dict:
        figures = report.figures or {}
        out = {c["key"]: c["overall"].get("alpha") for c in figures.get("criteria", [])}
        if figures.get("verdict"):
            out["verdict"] = figures["verdict"]["overall"].get("alpha")
        return out


class ReportPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ReportSummarySerializer(many=True)


class ReportSerializer(ReportSummarySerializer):
    class Meta(ReportSummarySerializer.Meta):
        fields = [*ReportSummarySerializer.Meta.fields, "figures", "physicians", "model_graders"]


class QueueItemSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.slug")
    specialty = serializers.CharField(source="specialty.name", default=None, allow_null=True)
    consensus_verdict = serializers.CharField(
        source="consensus.verdict", default=None, allow_null=True
    )
    min_confidence = serializers.FloatField(
        source="consensus.min_confidence", default=None, allow_null=True
    )
    may_decide = serializers.SerializerMethodField()
    decide_note = serializers.SerializerMethodField()

    class Meta:
        model = Sample
        fields = [
            "id",
            "project",
            "external_id",
            "specialty",
            "reviews_done",
            "consensus_verdict",
            "min_confidence",
            "updated_at",
            "may_decide",
            "decide_note",
        ]

    def get_may_decide(self, sample: Sample) -> bool:
        return not sample.reviewed_by_me

    def get_decide_note(self, sample: Sample) -> str:
        """Empty, or why another lead must decide this sample."""
        return REVIEWED_IT if sample.reviewed_by_me else ""


class QueuePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = QueueItemSerializer(many=True)


class SideBySideReviewSerializer(serializers.ModelSerializer):
    reviewer = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "reviewer",
            "is_model",
            "grades",
            "verdict",
            "corrected_answer",
            "rationale",
            "flags",
            "time_on_task_ms",
            "submitted_at",
        ]

    def get_reviewer(self, review: Review) -> dict:
        user = review.reviewer
        return {"id": user.pk, "name": user.get_full_name() or user.email or user.username}


class AdjudicationSampleSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.slug")
    reviews = SideBySideReviewSerializer(many=True)
    consensus = serializers.SerializerMethodField()

    class Meta:
        model = Sample
        fields = [
            "id",
            "project",
            "external_id",
            "status",
            "messages",
            "reasoning",
            "answer",
            "final_grades",
            "final_verdict",
            "final_answer",
            "final_source",
            "reviews",
            "consensus",
        ]

    def get_consensus(self, sample: Sample) -> dict | None:
        label = getattr(sample, "consensus", None)
        if label is None:
            return None
        return {
            "grades": label.grades,
            "confidence": label.confidence,
            "verdict": label.verdict,
            "verdict_confidence": label.verdict_confidence,
            "min_confidence": label.min_confidence,
        }


class AdjudicationInputSerializer(serializers.Serializer):
    grades = serializers.DictField(child=serializers.JSONField(allow_null=True))
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    final_answer = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField()


class AdjudicationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sample = serializers.IntegerField(source="sample_id")
    verdict = serializers.CharField()
    grades = serializers.JSONField()
    final_answer = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
