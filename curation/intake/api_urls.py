"""REST route of the sample import (mounted under /api/)."""

from django.urls import path

from curation.intake import api as import_api

urlpatterns = [
    path(
        "projects/<slug:slug>/samples/import/",
        import_api.SampleImportApi.as_view(),
        name="api-samples-import",
    ),
]
