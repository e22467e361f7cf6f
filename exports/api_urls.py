from django.urls import path

from . import api

urlpatterns = [
    path("exports/", api.ExportListCreateApi.as_view(), name="api-exports"),
    path("exports/<int:export_id>/", api.ExportDetailApi.as_view(), name="api-export-detail"),
    path(
        "exports/<int:export_id>/download/",
        api.ExportDownloadApi.as_view(),
        name="api-export-download",
    ),
    path(
        "exports/<int:export_id>/manifest/",
        api.ExportManifestApi.as_view(),
        name="api-export-manifest",
    ),
    path(
        "exports/<int:export_id>/download-link/",
        api.ExportDownloadLinkApi.as_view(),
        name="api-export-download-link",
    ),
    path("exports/<int:export_id>/retry/", api.ExportRetryApi.as_view(), name="api-export-retry"),
    path("exports/<int:export_id>/card/", api.ExportCardApi.as_view(), name="api-export-card"),
    path(
        "projects/<slug:slug>/exports/latest/",
        api.ProjectLatestExportApi.as_view(),
        name="api-project-export-latest",
    ),
]
