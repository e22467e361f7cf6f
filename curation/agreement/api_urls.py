from django.urls import path

from curation.agreement import api

urlpatterns = [
    path(
        "projects/<slug:slug>/agreement/", api.AgreementRunView.as_view(), name="api-agreement-run"
    ),
    path(
        "projects/<slug:slug>/agreement/reports/",
        api.ReportListView.as_view(),
        name="api-agreement-reports",
    ),
    path(
        "projects/<slug:slug>/agreement/reports/latest/",
        api.LatestReportView.as_view(),
        name="api-agreement-latest",
    ),
    path("adjudication/", api.AdjudicationQueueView.as_view(), name="api-adjudication-queue"),
    path(
        "adjudication/<int:sample_id>/",
        api.AdjudicationSampleView.as_view(),
        name="api-adjudication-sample",
    ),
    path("me/agreement/", api.OwnAgreementView.as_view(), name="api-own-agreement"),
]
