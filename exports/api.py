"""REST for training pipelines: list, create, poll and download exports."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.authentication import ApiTokenAuthentication
from core.errors import DomainError
from core.pagination import LimitOffsetPagination

from . import selectors, services, storage
from .authentication import PipelineTokenAuthentication
from .downloads import CONTENT_TYPES, built, data_file_response, side_file_response
from .models import DatasetFormat, Export, FileFormat
from .permissions import CanUseExports, token_of
from .serializers import (
    DownloadLinkOutput,
    ExportCreateInput,
    ExportListQuery,
    ExportOutput,
    ExportPage,
)


class IgnoreFormatParameter(DefaultContentNegotiation):
    """`?format=` names a dataset format here (sft, preference, graded), not a renderer."""

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type


class ExportApi(APIView):
    """What every export endpoint shares: pipeline tokens welcome, JSON only."""

    pipeline_tokens_allowed = True
    authentication_classes = [
        ApiTokenAuthentication,
        PipelineTokenAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [CanUseExports]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = IgnoreFormatParameter

    def actor(self) -> dict:
        return {"user": self.request.user, "token": token_of(self.request)}


FORMAT_PARAM = OpenApiParameter("format", str, enum=DatasetFormat.values, required=False)
FILE_FORMAT_PARAM = OpenApiParameter("file_format", str, enum=FileFormat.values, required=False)
DATA_MEDIA_TYPES = sorted({CONTENT_TYPES[kind] for kind in FileFormat.values})
SPLIT_PARAM = OpenApiParameter(
    "split", str, enum=["train", "validation"], required=False, description="Default: train."
)


class ExportListCreateApi(ExportApi):
    @extend_schema(
        operation_id="exports_list",
        parameters=[
            OpenApiParameter("project", str, description="Project slug."),
            FORMAT_PARAM,
            FILE_FORMAT_PARAM,
            OpenApiParameter("status", str, enum=Export.Status.values),
            OpenApiParameter("limit", int, description="Page size (default 50)."),
            OpenApiParameter("offset", int),
        ],
        responses=ExportPage,
        description="Exports of the projects the caller may see, newest first.",
    )
    def get(self, request):
        query = ExportListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        exports = selectors.exports_for_actor(**self.actor())
        for field, value in query.validated_data.items():
            if value:
                exports = exports.filter(
                    **{"project__slug" if field == "project" else field: value}
                )
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(exports.order_by("-created_at", "-id"), request, self)
        data = ExportOutput(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="exports_create",
        request=ExportCreateInput,
        responses={202: ExportOutput},
        description="Queues a build; poll the returned URL (also in the Location header).",
    )
    def post(self, request):
        payload = ExportCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        project = selectors.project_for_actor(**self.actor(), slug=data["project"])
        export = services.export_create(
            actor=request.user,
            project=project,
            format=data["format"],
            file_format=data["file_format"],
            filters=request.data.get("filters") or {},
            split=data.get("split"),
            token=token_of(request),
        )
        body = ExportOutput(export, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class ExportDetailApi(ExportApi):
    @extend_schema(
        operation_id="exports_retrieve",
        responses=ExportOutput,
        description="Status and progress of one export; its files' URLs once it is done.",
    )
    def get(self, request, export_id: int):
        export = selectors.export_for_actor(**self.actor(), export_id=export_id)
        return Response(ExportOutput(export, context={"request": request}).data)


class ExportDownloadApi(ExportApi):
    @extend_schema(
        operation_id="exports_download",
        parameters=[SPLIT_PARAM],
        responses={
            **{(200, media): OpenApiResponse(OpenApiTypes.BINARY) for media in DATA_MEDIA_TYPES},
            **{
                (206, media): OpenApiResponse(
                    OpenApiTypes.BINARY, description="The requested byte range."
                )
                for media in DATA_MEDIA_TYPES
            },
            304: OpenApiResponse(description="If-None-Match matched the ETag (SHA-256)."),
            416: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='The range is outside the file: {"detail", "errors"}.',
            ),
        },
        description="Streams the data file. ETag is the file's SHA-256; Range resumes.",
    )
    def get(self, request, export_id: int):
        export = selectors.export_for_actor(**self.actor(), export_id=export_id)
        return data_file_response(request, export, request.query_params.get("split"))


class ExportDownloadLinkApi(ExportApi):
    @extend_schema(
        operation_id="exports_download_link",
        parameters=[SPLIT_PARAM],
        responses={
            200: DownloadLinkOutput,
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="Not built yet."),
        },
        description=(
            "A short-lived URL that downloads the data file straight from the object store "
            "(S3, MinIO); with local storage, the app's own download URL. Check the SHA-256."
        ),
    )
    def get(self, request, export_id: int):
        export = selectors.export_for_actor(**self.actor(), export_id=export_id)
        built(export)
        split = request.query_params.get("split")
        entry = export.file_for(split)
        if entry is None:
            raise DomainError(f"This export has no {split} split.", field="split")
        filename = f"{export.project.slug}-v{export.version:04d}-{export.format}-{entry['path']}"
        seconds = settings.S3_PRESIGNED_SECONDS
        url = storage.presigned_url(
            prefix=export.storage_prefix, name=entry["path"], filename=filename, expires=seconds
        )
        direct = url is not None
        if url is None:
            path = reverse("api-export-download", args=[export.pk])
            url = request.build_absolute_uri(path + (f"?split={split}" if split else ""))
        body = {
            "url": url,
            "direct": direct,
            "expires_at": timezone.now() + dt.timedelta(seconds=seconds) if direct else None,
            "filename": filename,
            "bytes": entry["bytes"],
            "sha256": entry["sha256"],
        }
        return Response(DownloadLinkOutput(body).data, headers={"Cache-Control": "no-store"})


class ExportRetryApi(ExportApi):
    @extend_schema(
        operation_id="exports_retry",
        request=None,
        responses={
            202: ExportOutput,
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="The export has not failed."),
        },
        description=(
            "Queue a failed export again (same spec and version). A pipeline token may retry "
            "the exports it asked for; administrators any export of their projects."
        ),
    )
    def post(self, request, export_id: int):
        export = selectors.export_for_actor(**self.actor(), export_id=export_id)
        export = services.export_retry(export=export, actor=request.user, token=token_of(request))
        body = ExportOutput(export, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class ExportManifestApi(ExportApi):
    @extend_schema(
        operation_id="exports_manifest",
        responses={200: OpenApiTypes.OBJECT},
        description="manifest.json: spec, counts, checksums, rubric and code version, time.",
    )
    def get(self, request, export_id: int):
        export = selectors.export_for_actor(**self.actor(), export_id=export_id)
        return side_file_response(request, export, "manifest.json")


class ExportCardApi(ExportApi):
    @extend_schema(
        operation_id="exports_card",
        responses={(200, "text/markdown"): OpenApiResponse(OpenApiTypes.STR)},
        description="The Hugging Face dataset card (README.md).",
    )
    def get(self, request, export_id: int):
        export = selectors.export_for_actor(**self.actor(), export_id=export_id)
        return side_file_response(request, export, "README.md")


class ProjectLatestExportApi(ExportApi):
    @extend_schema(
        operation_id="projects_exports_latest",
        parameters=[
            OpenApiParameter("format", str, enum=DatasetFormat.values, required=True),
            FILE_FORMAT_PARAM,
        ],
        responses=ExportOutput,
        description="The newest built export of a project in a format.",
    )
    def get(self, request, slug: str):
        wanted = request.query_params.get("format") or ""
        if wanted not in DatasetFormat.values:
            raise DomainError(
                f"must be one of {', '.join(DatasetFormat.values)}, got {wanted!r}", field="format"
            )
        export = selectors.export_latest(
            **self.actor(),
            slug=slug,
            format=wanted,
            file_format=request.query_params.get("file_format"),
        )
        body = ExportOutput(export, context={"request": request}).data
        return Response(
            body, headers={"Content-Location": reverse("api-export-detail", args=[export.pk])}
        )
