"""Sample criteria over REST: reports for project administrators (thin views over selectors)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import DomainError
from curation.agreement import selectors as agreement_selectors
from curation.agreement.api import IsProjectAdministrator
from curation.criteria import selectors

GRADER = OpenApiParameter("grader", str, description="A model grader as name@version.")


class MetaEvaluationView(APIView):
    """A model grader against the physicians on the project's sample criteria."""

    permission_classes = [IsAuthenticated, IsProjectAdministrator]

    @extend_schema(parameters=[GRADER], responses={200: dict})
    def get(self, request, slug: str):
        project = agreement_selectors.project_for_admin(request.user, slug)
        name = request.query_params.get("grader")
        if not name:
            raise DomainError("is required: a model grader as name@version", field="grader")
        grader = selectors.model_grader_by_name(name)
        return Response(selectors.meta_evaluation_report(project, grader))


class ScoreView(APIView):
    """HealthBench's score of the project's responses, by a model grader or the physicians."""

    permission_classes = [IsAuthenticated, IsProjectAdministrator]

    @extend_schema(parameters=[GRADER], responses={200: dict})
    def get(self, request, slug: str):
        project = agreement_selectors.project_for_admin(request.user, slug)
        name = request.query_params.get("grader")
        grader = selectors.model_grader_by_name(name) if name else None
        return Response(selectors.score_report_for(project, grader=grader))
