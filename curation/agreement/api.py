"""Agreement reports and adjudication over REST: thin views over selectors and services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import Forbidden, NotFound
from core.pagination import LimitOffsetPagination
from curation import access
from curation.agreement import selectors
from curation.agreement.adjudication import adjudication_record
from curation.agreement.serializers import (
    AdjudicationInputSerializer,
    AdjudicationOutputSerializer,
    AdjudicationSampleSerializer,
    QueueItemSerializer,
    QueuePageSerializer,
    ReportPageSerializer,
    ReportSerializer,
    ReportSummarySerializer,
)
from curation.agreement.services import agreement_request


class IsProjectAdministrator(BasePermission):
    """Staff, or an administrator of at least one project (the selector checks which)."""

    message = "Only project administrators can see or start agreement reports."

    def has_permission(self, request, view) -> bool:
        return access.administers_any(request.user)


class IsLeadOrAdministrator(BasePermission):
    """Deciding: leads in good standing. Reading the queue and samples: leads, or admins.

    The denial says why (suspended, not verified, not a lead)."""

    message = "Only lead physicians can adjudicate."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if request.method != "POST" and access.administers_any(user):
            return True
        refusal = access.lead_refusal(user)
        if refusal is not None:
            self.message = refusal
        return refusal is None


class AgreementRunView(APIView):
    permission_classes = [IsAuthenticated, IsProjectAdministrator]

    @extend_schema(request=None, responses={202: None})
    def post(self, request, slug: str):
        project = selectors.project_for_admin(request.user, slug)
        agreement_request(project=project, actor=request.user)
        return Response(
            {"status": "queued", "project": project.slug}, status=status.HTTP_202_ACCEPTED
        )


class ReportListView(APIView):
    permission_classes = [IsAuthenticated, IsProjectAdministrator]

    @extend_schema(operation_id="projects_agreement_reports_list", responses=ReportPageSerializer)
    def get(self, request, slug: str):
        project = selectors.project_for_admin(request.user, slug)
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(
            selectors.reports_for_project(project).select_related("project"), request, view=self
        )
        return paginator.get_paginated_response(ReportSummarySerializer(page, many=True).data)


class LatestReportView(APIView):
    permission_classes = [IsAuthenticated, IsProjectAdministrator]

    @extend_schema(responses=ReportSerializer)
    def get(self, request, slug: str):
        project = selectors.project_for_admin(request.user, slug)
        report = selectors.latest_report(project)
        if report is None:
            raise NotFound("No finished agreement report for this project yet.")
        return Response(ReportSerializer(report).data)


class AdjudicationQueueView(APIView):
    permission_classes = [IsAuthenticated, IsLeadOrAdministrator]

    @extend_schema(operation_id="adjudication_list", responses=QueuePageSerializer)
    def get(self, request):
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(
            selectors.adjudication_queue(request.user), request, view=self
        )
        return paginator.get_paginated_response(QueueItemSerializer(page, many=True).data)


class AdjudicationSampleView(APIView):
    permission_classes = [IsAuthenticated, IsLeadOrAdministrator]

    @extend_schema(responses=AdjudicationSampleSerializer)
    def get(self, request, sample_id: int):
        sample = selectors.sample_for_adjudication(request.user, sample_id)
        return Response(AdjudicationSampleSerializer(sample).data)

    @extend_schema(
        request=AdjudicationInputSerializer, responses={201: AdjudicationOutputSerializer}
    )
    def post(self, request, sample_id: int):
        sample = selectors.sample_for_adjudication(request.user, sample_id)
        refusal = access.adjudication_refusal(request.user, sample)
        if refusal is not None:
            raise Forbidden(refusal, field="sample", code="reviewed_this_sample")
        data = AdjudicationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = adjudication_record(sample=sample, lead=request.user, **data.validated_data)
        return Response(AdjudicationOutputSerializer(decision).data, status=status.HTTP_201_CREATED)


class OwnAgreementView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=None)
    def get(self, request):
        return Response(
            {
                "settled": selectors.own_agreement(request.user),
                "reports": selectors.own_quality(request.user),
            }
        )
