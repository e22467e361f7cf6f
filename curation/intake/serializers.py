"""Input and output shapes of the sample import endpoint (for validation and the schema)."""

from __future__ import annotations

from rest_framework import serializers

from curation.intake.formats import FORMATS


class ImportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=FORMATS, required=False, allow_null=True)
    update = serializers.BooleanField(required=False, default=False)


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="JSONL, a JSON array, CSV, or a Label Studio export.")


class SampleInSerializer(serializers.Serializer):
    """The native sample shape (for the schema; validation happens in the import service)."""

    id = serializers.CharField(help_text="Unique within the project.")
    messages = serializers.ListField(child=serializers.DictField())
    reasoning = serializers.CharField(required=False, allow_blank=True)
    answer = serializers.CharField()
    specialty = serializers.CharField(required=False, help_text="A specialty code or name.")
    metadata = serializers.DictField(required=False)
    images = serializers.ListField(child=serializers.CharField(), required=False)
    gold = serializers.DictField(required=False, help_text="Reference grades by criterion key.")


class ImportBodySerializer(serializers.Serializer):
    samples = SampleInSerializer(many=True)


class ImportResultSerializer(serializers.Serializer):
    file = serializers.CharField()
    format = serializers.CharField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    quarantined = serializers.IntegerField()
    conflicts = serializers.ListField(
        child=serializers.CharField(), help_text="Ids of changed samples left alone (first 1,000)."
    )
    conflicts_total = serializers.IntegerField()
    summary = serializers.CharField()
