"""The comparison door of the reviewer API: read a leased comparison, submit a judgment.

Responses are named by the letter they have in this physician's order (A-D, drawn once and
stored, as on the page); model names and response ids are never sent. Only the physician holding
the assignment may use it: anyone else gets the same 404 as for a missing one.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotFound
from curation.comparisons.judgments import comparison_submit
from curation.comparisons.order import display_order
from curation.models import Assignment, Project
from curation.models.comparison import TIE
from curation.reviewing.permissions import IsActivePhysician

LETTERS = "ABCD"
TAG = ["Reviewing"]
ERROR = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description='{"detail": "...", "errors": [{"message", "code", "field"}]}',
)


class JudgmentInSerializer(serializers.Serializer):
    preferred = serializers.CharField(help_text='A response letter (A-D) or "tie".')
    axes = serializers.DictField(
        child=serializers.CharField(), required=False, default=dict, help_text="Axis key -> letter"
    )
    ranking = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, help_text="Letters, best first"
    )
    rationale = serializers.CharField(required=False, allow_blank=True, default="")


def _own_comparison(user, pk: int) -> Assignment:
    assignment = (
        Assignment.objects.select_related("project", "sample")
        .filter(pk=pk, reviewer_id=user.pk, project__kind=Project.Kind.COMPARISON)
        .first()
    )
    if assignment is None or assignment.sample.quarantined:
        raise NotFound("No such comparison.")
    return assignment


class ComparisonApi(APIView):
    """My leased comparison: the conversation and the responses in my order; my judgment."""

    permission_classes = [IsAuthenticated, IsActivePhysician]

    @extend_schema(
        tags=TAG,
        summary="A comparison I hold",
        responses={200: OpenApiTypes.OBJECT, 403: ERROR, 404: ERROR},
    )
    def get(self, request, pk: int):
        assignment = _own_comparison(request.user, pk)
        order = display_order(sample=assignment.sample, reviewer=request.user)
        by_key = {r.key: r for r in assignment.sample.responses.all()}
        return Response(
            {
                "assignment": assignment.pk,
                "status": assignment.status,
                "messages": assignment.sample.messages,
                "responses": [
                    {
                        "label": LETTERS[i],
                        "reasoning": by_key[key].reasoning,
                        "content": by_key[key].content,
                    }
                    for i, key in enumerate(order)
                ],
                "axes": assignment.project.comparison_axes,
                "allow_ties": assignment.project.allow_ties,
            }
        )

    @extend_schema(
        tags=TAG,
        summary="Submit my judgment of a comparison",
        request=JudgmentInSerializer,
        responses={
            201: OpenApiTypes.OBJECT,
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The same judgment again."),
            400: ERROR,
            403: ERROR,
            404: ERROR,
            409: ERROR,
        },
    )
    def post(self, request, pk: int):
        assignment = _own_comparison(request.user, pk)
        data = JudgmentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = display_order(sample=assignment.sample, reviewer=request.user)

        def key(label: str) -> str:
            index = LETTERS.find(label) if len(label) == 1 else -1
            if label == TIE or not 0 <= index < len(order):
                return label  # the service names a letter it does not know
            return order[index]

        values = data.validated_data
        judged = comparison_submit(
            assignment_id=assignment.pk,
            user=request.user,
            preferred=key(values["preferred"]),
            axes={axis: key(v) for axis, v in values["axes"].items()},
            ranking=[key(v) for v in values["ranking"]],
            rationale=values["rationale"],
        )
        created = judged.outcome == "created"
        return Response(
            {"comparison": judged.comparison.pk, "outcome": judged.outcome},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
