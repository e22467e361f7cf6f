"""The reviewer workflow over REST: projects, next sample, submit, amend, skip, drafts.

Thin views: validate input, call one service or selector, serialise the result. Domain errors
become JSON with a reason through the one exception handler (core.api).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from curation.models import Assignment, Review
from curation.reviewing import selectors
from curation.reviewing.assignment import assignment_next, assignment_skip
from curation.reviewing.permissions import IsActivePhysician, IsPhysicianOrStaff
from curation.reviewing.reviews import review_amend, review_draft_save, review_submit
from curation.reviewing.serializers import (
    AmendInputSerializer,
    AssignmentQuerySerializer,
    AssignmentSerializer,
    DraftInputSerializer,
    ProjectDetailSerializer,
    ProjectQuerySerializer,
    ProjectSerializer,
    ReviewerStatsSerializer,
    ReviewSerializer,
    SkipInputSerializer,
    SubmitInputSerializer,
)
from curation.reviewing.undo import assignment_undo

ERROR = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description='{"detail": "...", "errors": [{"message", "code", "field"}]}',
)
TAG = ["reviewing"]


def _project_param(request):
    """The project named by `?project=`, checked to be a slug (400) and mine (404), or None."""
    query = ProjectQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    slug = query.validated_data.get("project")
    return selectors.project_for_member(request.user, slug) if slug else None


class ProjectListApi(generics.ListAPIView):
    """Projects open to me, with my progress and what is left."""

    permission_classes = [IsAuthenticated, IsPhysicianOrStaff]
    serializer_class = ProjectSerializer

    def get_queryset(self):
        return selectors.projects_for_reviewer(self.request.user)

    @extend_schema(tags=TAG, summary="My projects")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ProjectDetailApi(APIView):
    permission_classes = [IsAuthenticated, IsPhysicianOrStaff]

    @extend_schema(
        tags=TAG,
        summary="A project with its guidelines and rubric",
        responses={200: ProjectDetailSerializer, 404: ERROR},
    )
    def get(self, request, slug: str):
        project = selectors.project_for_reviewer(request.user, slug)
        return Response(ProjectDetailSerializer(project).data)


class ProjectNextApi(APIView):
    """Lease the next sample for me; my live lease in the project is returned first."""

    permission_classes = [IsAuthenticated, IsActivePhysician]

    @extend_schema(
        tags=TAG,
        summary="Next sample",
        request=None,
        responses={
            201: AssignmentSerializer,
            200: OpenApiResponse(AssignmentSerializer, description="My existing live lease."),
            204: OpenApiResponse(description="Nothing left for me in this project."),
            403: ERROR,
            404: ERROR,
            409: OpenApiResponse(
                OpenApiTypes.OBJECT, description="cap_reached or project_paused, with the reason."
            ),
        },
    )
    def post(self, request, slug: str):
        project = selectors.project_for_member(request.user, slug)
        lease = assignment_next(user=request.user, project=project)
        if lease is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        code = status.HTTP_200_OK if lease.resumed else status.HTTP_201_CREATED
        return Response(AssignmentSerializer(lease.assignment).data, status=code)


class AssignmentListApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated, IsPhysicianOrStaff]
    serializer_class = AssignmentSerializer

    def get_queryset(self):
        query = AssignmentQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        project = _project_param(self.request)
        return selectors.my_assignments(
            self.request.user, project, query.validated_data.get("status") or None
        )

    @extend_schema(
        tags=TAG,
        summary="My assignments",
        parameters=[
            OpenApiParameter("project", str, description="Project slug."),
            OpenApiParameter(
                "status", str, enum=["live", *Assignment.Status.values], description="Filter."
            ),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AssignmentDetailApi(APIView):
    permission_classes = [IsAuthenticated, IsPhysicianOrStaff]

    @extend_schema(tags=TAG, summary="One of my assignments", responses={200: AssignmentSerializer})
    def get(self, request, pk: int):
        assignment = selectors.assignment_for_user(request.user, pk)
        return Response(AssignmentSerializer(assignment, context={"viewer": request.user}).data)


class AssignmentSkipApi(APIView):
    permission_classes = [IsAuthenticated, IsActivePhysician]

    @extend_schema(
        tags=TAG,
        summary="Skip with a reason",
        request=SkipInputSerializer,
        responses={200: AssignmentSerializer, 400: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request, pk: int):
        assignment = selectors.assignment_for_user(request.user, pk)
        data = SkipInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment_skip(assignment=assignment, user=request.user, **data.validated_data)
        return Response(AssignmentSerializer(selectors.assignment_for_user(request.user, pk)).data)


class AssignmentSubmitApi(APIView):
    permission_classes = [IsAuthenticated, IsActivePhysician]

    @extend_schema(
        tags=TAG,
        summary="Submit my review",
        description="Idempotent by `client_key` (or an `Idempotency-Key` header): a retried "
        "submit returns the same review with 200 instead of 201.",
        request=SubmitInputSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
        responses={
            201: ReviewSerializer,
            200: OpenApiResponse(ReviewSerializer, description="The same submit, retried."),
            400: ERROR,
            404: ERROR,
            409: ERROR,
        },
    )
    def post(self, request, pk: int):
        data = SubmitInputSerializer(data=request.data)
        if not data.is_valid():
            # Someone else's assignment is not found, whatever the body says (one door).
            selectors.assignment_for_user(request.user, pk)
            raise ValidationError(data.errors)
        values = dict(data.validated_data)
        values["client_key"] = values.get("client_key") or _idempotency_key(request)
        # The service finds the assignment among the caller's own (404 otherwise) and locks it.
        submitted = review_submit(
            assignment_id=pk, user=request.user, source=Review.Source.API, **values
        )
        if submitted.created:
            # Fresh from the service with its one revision: no second read needed.
            body = ReviewSerializer(submitted.review).data
            return Response(body, status=status.HTTP_201_CREATED)
        body = ReviewSerializer(selectors.review_for_user(request.user, submitted.review.pk)).data
        return Response(body, status=status.HTTP_200_OK)


def _idempotency_key(request) -> str:
    """The Idempotency-Key header, held to the same rules as `client_key` in the body."""
    key = request.headers.get("Idempotency-Key", "")
    if not key:
        return ""
    try:
        return SubmitInputSerializer().fields["client_key"].run_validation(key)
    except ValidationError as exc:
        raise ValidationError({"Idempotency-Key": exc.detail})


class AssignmentDraftApi(APIView):
    permission_classes = [IsAuthenticated, IsActivePhysician]

    @extend_schema(
        tags=TAG,
        summary="Autosave the draft of a live assignment",
        request=DraftInputSerializer,
        responses={200: DraftInputSerializer, 404: ERROR, 409: ERROR},
    )
    def put(self, request, pk: int):
        assignment = selectors.assignment_for_user(request.user, pk)
        data = DraftInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        draft = review_draft_save(
            assignment=assignment, user=request.user, payload=data.validated_data["payload"]
        )
        return Response({"payload": draft.payload})


class ReviewListApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated, IsPhysicianOrStaff]
    serializer_class = ReviewSerializer

    def get_queryset(self):
        return selectors.my_reviews(self.request.user, _project_param(self.request))

    @extend_schema(
        tags=TAG,
        summary="My reviews",
        parameters=[OpenApiParameter("project", str, description="Project slug.")],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReviewDetailApi(APIView):
    """Read or amend my review; amending is allowed until the sample is settled."""

    def get_permissions(self):
        if self.request.method in ("PUT", "PATCH"):
            return [IsAuthenticated(), IsActivePhysician()]
        return [IsAuthenticated(), IsPhysicianOrStaff()]

    @extend_schema(tags=TAG, summary="One of my reviews", responses={200: ReviewSerializer})
    def get(self, request, pk: int):
        return Response(ReviewSerializer(selectors.review_for_user(request.user, pk)).data)

    def _amend(self, request, pk: int, *, partial: bool) -> Response:
        review = selectors.review_for_user(request.user, pk)
        data = AmendInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = {
            "grades": review.grades,
            "verdict": review.verdict,
            "corrected_answer": review.corrected_answer,
            "rationale": review.rationale,
            "flags": review.flags,
            **data.validated_data,
        }
        if partial and isinstance(data.validated_data.get("grades"), dict):
            values["grades"] = {**review.grades, **data.validated_data["grades"]}
        review = review_amend(review=review, user=request.user, **values)
        return Response(ReviewSerializer(selectors.review_for_user(request.user, review.pk)).data)

    @extend_schema(
        tags=TAG,
        summary="Amend my review",
        request=AmendInputSerializer,
        responses={200: ReviewSerializer, 400: ERROR, 404: ERROR, 409: ERROR},
    )
    def put(self, request, pk: int):
        return self._amend(request, pk, partial=False)

    @extend_schema(
        tags=TAG,
        summary="Amend part of my review",
        request=AmendInputSerializer,
        responses={200: ReviewSerializer, 400: ERROR, 404: ERROR, 409: ERROR},
    )
    def patch(self, request, pk: int):
        return self._amend(request, pk, partial=True)


class ReviewerStatsApi(APIView):
    permission_classes = [IsAuthenticated, IsPhysicianOrStaff]

    @extend_schema(
        tags=TAG,
        summary="My numbers",
        parameters=[OpenApiParameter("project", str, description="Project slug.")],
        responses={200: ReviewerStatsSerializer},
    )
    def get(self, request):
        return Response(selectors.reviewer_stats(request.user, _project_param(request)))


class AssignmentUndoApi(APIView):
    """Undo my last submit or skip (until my next one): the lease comes back to me."""

    permission_classes = [IsAuthenticated, IsActivePhysician]

    @extend_schema(
        tags=TAG,
        summary="Undo my last submit or skip",
        description="Reverts the caller's last submit or skip while its sample still collects "
        "reviews, and restores the lease. `undone` is `review` or `skip`. 409 with code "
        "`nothing_to_undo` or `not_undoable` otherwise.",
        request=None,
        responses={200: OpenApiTypes.OBJECT, 403: ERROR, 409: ERROR},
    )
    def post(self, request):
        undone = assignment_undo(user=request.user)
        assignment = selectors.assignment_for_user(request.user, undone.assignment_id)
        return Response(
            {"undone": undone.kind, "assignment": AssignmentSerializer(assignment).data}
        )
