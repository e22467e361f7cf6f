"""Sample criteria over REST: reports for project administrators (thin views over selectors)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from core.errors import DomainError, NotFound
from curation.agreement import selectors as agreement_selectors
from curation.agreement.api import IsProjectAdministrator
from curation.criteria import selectors, tokens
from curation.criteria.grade_import import criterion_grades_post
from curation.reviewing.assignment import physician_for_review
from curation.reviewing.selectors import project_for_member

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


class CriterionGradesView(APIView):
    """A response's criterion grades, posted by a model grader's token or a physician.

    Body: {"sample_id": "...", "criteria": [{"criterion": 0, "met": true, "explanation": ""}]};
    a criterion is named by its position or its exact text. All or nothing; posting the same
    grades again changes nothing.
    """

    authentication_classes = [
        tokens.GraderTokenAuthentication,
        *api_settings.DEFAULT_AUTHENTICATION_CLASSES,
    ]
    permission_classes = [tokens.IsGraderTokenOrPhysician]

    @extend_schema(request=dict, responses={201: dict})
    def post(self, request, slug: str):
        token = tokens.token_of(request)
        if token is not None:
            project = token.projects.filter(slug=slug).first()
            if project is None:
                raise NotFound("Project not found.")
            grader = {"model_grader": token.grader}
        else:
            try:
                project = project_for_member(request.user, slug)
                physician_for_review(request.user)
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                raise PermissionDenied(exc.message)
            grader = {"physician": request.user}
        data = request.data if isinstance(request.data, dict) else {}
        actor = request.user if request.user.is_authenticated else None
        outcomes = criterion_grades_post(project=project, data=data, grader=grader, actor=actor)
        return Response(outcomes, status=status.HTTP_201_CREATED)
