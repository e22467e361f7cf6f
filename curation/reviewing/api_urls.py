"""REST routes of the reviewer workflow (mounted under /api/)."""

from django.urls import path

from curation.reviewing import api

urlpatterns = [
    path("projects/", api.ProjectListApi.as_view(), name="api-projects"),
    path("projects/<slug:slug>/", api.ProjectDetailApi.as_view(), name="api-project-detail"),
    path("projects/<slug:slug>/next/", api.ProjectNextApi.as_view(), name="api-project-next"),
    path("assignments/", api.AssignmentListApi.as_view(), name="api-assignments"),
    path("assignments/undo/", api.AssignmentUndoApi.as_view(), name="api-assignment-undo"),
    path("assignments/<int:pk>/", api.AssignmentDetailApi.as_view(), name="api-assignment-detail"),
    path("assignments/<int:pk>/skip/", api.AssignmentSkipApi.as_view(), name="api-assignment-skip"),
    path(
        "assignments/<int:pk>/submit/",
        api.AssignmentSubmitApi.as_view(),
        name="api-assignment-submit",
    ),
    path(
        "assignments/<int:pk>/draft/",
        api.AssignmentDraftApi.as_view(),
        name="api-assignment-draft",
    ),
    path("reviews/", api.ReviewListApi.as_view(), name="api-reviews"),
    path("reviews/<int:pk>/", api.ReviewDetailApi.as_view(), name="api-review-detail"),
    path("review-stats/", api.ReviewerStatsApi.as_view(), name="api-review-stats"),
]
