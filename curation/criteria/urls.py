from django.urls import path

from curation.criteria import views

urlpatterns = [
    path("projects/<slug:slug>/criteria/write/", views.criteria_write, name="criteria-write"),
    path(
        "projects/<slug:slug>/criteria/validate/",
        views.criteria_validate,
        name="criteria-validate",
    ),
    path("projects/<slug:slug>/criteria/grade/", views.criteria_grade, name="criteria-grade"),
    path("criteria/disputed/", views.criteria_disputed, name="criteria-disputed"),
]
