from django.urls import path

from curation.criteria import api

urlpatterns = [
    path(
        "projects/<slug:slug>/criteria/meta-evaluation/",
        api.MetaEvaluationView.as_view(),
        name="api-criteria-meta-evaluation",
    ),
    path(
        "projects/<slug:slug>/criteria/grades/",
        api.CriterionGradesView.as_view(),
        name="api-criteria-grades",
    ),
    path(
        "projects/<slug:slug>/criteria/score/",
        api.ScoreView.as_view(),
        name="api-criteria-score",
    ),
]
