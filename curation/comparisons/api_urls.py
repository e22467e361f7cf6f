"""REST route of comparisons (mounted under /api/)."""

from django.urls import path

from curation.comparisons import api

urlpatterns = [
    path(
        "assignments/<int:pk>/comparison/",
        api.ComparisonApi.as_view(),
        name="api-assignment-comparison",
    ),
]
