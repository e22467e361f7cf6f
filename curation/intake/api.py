"""POST /api/projects/<slug>/samples/import/: the sample import service over REST."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from core.errors import DomainError, ErrorDetail, NotFound
from core.jsonsafe import JSONParser
from curation import access
from curation.intake.formats import FORMATS
from curation.intake.serializers import (
    ImportBodySerializer,
    ImportQuerySerializer,
    ImportResultSerializer,
    ImportUploadSerializer,
)
from curation.intake.services import samples_import
from curation.models import Project

ERROR = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description='{"detail": "...", "errors": [{"message", "code", "file", "line", "field"}]}',
)


class CanImportSamples(BasePermission):
    message = "Only staff and this project's admins can import samples."

    def has_object_permission(self, request, view, obj) -> bool:
        return access.can_import_samples(request.user, obj)


class _NoFormatOverride:
    """API settings, except that `?format=` names the import format, not a renderer."""

    URL_FORMAT_OVERRIDE = None

    def __getattr__(self, name):
        return getattr(api_settings, name)


class _Negotiation(DefaultContentNegotiation):
    settings = _NoFormatOverride()


class SampleImportApi(APIView):
    permission_classes = [IsAuthenticated, CanImportSamples]
    parser_classes = [MultiPartParser, JSONParser]
    content_negotiation_class = _Negotiation

    @extend_schema(
        tags=["import"],
        summary="Import samples into a project",
        description=(
            "Upload a file (multipart field `file`: JSONL, a JSON array, CSV, a Label Studio "
            "export or chat JSONL) or send a JSON body: a list of samples or "
            '`{"samples": [...]}`. Nothing is written unless every sample is valid; a 400 '
            "lists up to 50 errors with file, line (the item's position for a JSON body) and "
            "field. Re-sending the same samples creates nothing; a changed sample is reported "
            "as a conflict unless `update=true`."
        ),
        parameters=[
            OpenApiParameter("format", str, enum=list(FORMATS), description="Detected if omitted."),
            OpenApiParameter("update", bool, description="Replace changed samples (audited)."),
        ],
        request={
            "multipart/form-data": ImportUploadSerializer,
            "application/json": ImportBodySerializer,
        },
        responses={
            201: OpenApiResponse(ImportResultSerializer, description="Samples were created."),
            200: OpenApiResponse(ImportResultSerializer, description="Nothing new to create."),
            400: ERROR,
            404: OpenApiResponse(
                OpenApiTypes.OBJECT, description="No such project, or not one you may import into."
            ),
        },
    )
    def post(self, request, slug: str):
        project = Project.objects.filter(slug=slug).first()
        if project is None or not access.can_import_samples(request.user, project):
            raise NotFound()  # one door: a project you may not import into is not found
        self.check_object_permissions(request, project)
        query = ImportQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise DomainError.many(
                [
                    _detail(name, message)
                    for name, messages in query.errors.items()
                    for message in messages
                ]
            )
        upload = request.FILES.get("file")
        if upload is not None:
            source, name = upload, upload.name
        elif request.content_type and request.content_type.startswith("multipart/"):
            raise DomainError("is required: upload the samples file as `file`", field="file")
        else:
            source, name = _body_samples(request.data), "request body"
        result = samples_import(
            project=project,
            source=source,
            fmt=query.validated_data.get("format"),
            update=query.validated_data["update"],
            actor=request.user,
            filename=name,
        )
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(ImportResultSerializer(result.as_dict()).data, status=code)


def _detail(field: str, message: str) -> ErrorDetail:
    return ErrorDetail(str(message), field=field)


def _body_samples(data) -> list:
    if isinstance(data, dict) and isinstance(data.get("samples"), list):
        return data["samples"]
    if isinstance(data, list):
        return data
    raise DomainError(
        'must be a list of samples or {"samples": [...]}, or a multipart upload with `file`',
        field="samples",
    )
