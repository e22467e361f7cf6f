"""Input and output shapes of the exports API."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from core.fields import PublicErrorField
from curation.models.review import Verdict

from .models import DatasetFormat, Export, FileFormat


class FiltersInput(serializers.Serializer):
    settled_only = serializers.BooleanField(required=False, default=True)
    verdicts = serializers.ListField(
        child=serializers.ChoiceField(choices=Verdict.choices), required=False
    )
    specialties = serializers.ListField(child=serializers.CharField(), required=False)
    settled_from = serializers.DateField(required=False, allow_null=True)
    settled_to = serializers.DateField(required=False, allow_null=True)
    gold = serializers.ChoiceField(
        choices=["include", "exclude", "only"], required=False, default="exclude"
    )
    min_confidence = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=1
    )
    min_agreement = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=1
    )


class ExportListQuery(serializers.Serializer):
    """The list's filters; empty values mean no filter."""

    project = serializers.SlugField(required=False, allow_blank=True)
    format = serializers.ChoiceField(
        choices=DatasetFormat.choices, required=False, allow_blank=True
    )
    file_format = serializers.ChoiceField(
        choices=FileFormat.choices, required=False, allow_blank=True
    )
    status = serializers.ChoiceField(
        choices=Export.Status.choices, required=False, allow_blank=True
    )


class SplitInput(serializers.Serializer):
    validation = serializers.FloatField(min_value=0, max_value=1, help_text="e.g. 0.1")
    seed = serializers.IntegerField(required=False, default=0)


class ExportCreateInput(serializers.Serializer):
    project = serializers.SlugField(help_text="The project's slug.")
    format = serializers.ChoiceField(choices=DatasetFormat.choices)
    file_format = serializers.ChoiceField(choices=FileFormat.choices, default=FileFormat.JSONL)
    filters = FiltersInput(required=False)
    split = SplitInput(required=False, allow_null=True)


class ExportFileOutput(serializers.Serializer):
    split = serializers.CharField()
    path = serializers.CharField()
    rows = serializers.IntegerField()
    bytes = serializers.IntegerField()
    sha256 = serializers.CharField()


class ExportOutput(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    manifest_url = serializers.SerializerMethodField()
    card_url = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    files = ExportFileOutput(many=True)
    error = PublicErrorField(help_text="Why the build failed; names no server path.")

    class Meta:
        model = Export
        fields = [
            "id",
            "url",
            "project",
            "version",
            "format",
            "file_format",
            "spec",
            "status",
            "progress",
            "row_count",
            "byte_size",
            "sha256",
            "files",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "download_url",
            "manifest_url",
            "card_url",
        ]
        read_only_fields = fields

    def _absolute(self, name: str, export: Export) -> str:
        path = reverse(name, args=[export.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, export: Export) -> str:
        return self._absolute("api-export-detail", export)

    def get_download_url(self, export: Export) -> str | None:
        done = export.status == Export.Status.DONE
        return self._absolute("api-export-download", export) if done else None

    def get_manifest_url(self, export: Export) -> str | None:
        done = export.status == Export.Status.DONE
        return self._absolute("api-export-manifest", export) if done else None

    def get_card_url(self, export: Export) -> str | None:
        done = export.status == Export.Status.DONE
        return self._absolute("api-export-card", export) if done else None

    def get_progress(self, export: Export) -> dict:
        return {
            "rows": export.progress_rows,
            "total": export.total_rows,
            "percent": export.progress_percent,
        }


class ExportPage(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ExportOutput(many=True)


class DownloadLinkOutput(serializers.Serializer):
    url = serializers.URLField(help_text="Presigned object-store URL, or the app's download URL.")
    direct = serializers.BooleanField(help_text="True: straight from the object store.")
    expires_at = serializers.DateTimeField(allow_null=True)
    filename = serializers.CharField()
    bytes = serializers.IntegerField()
    sha256 = serializers.CharField()
