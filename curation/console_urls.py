"""The admin console's reading pages (onboarding and cohort writes are in annotators.urls)."""

from django.urls import path

from . import console_views as views

urlpatterns = [
    path("console/", views.console_home, name="console"),
    path("console/projects/", views.projects, name="console-projects"),
    path("console/projects/<slug:slug>/", views.project_detail, name="console-project"),
    path(
        "console/projects/<slug:slug>/pause/",
        views.project_pause_view,
        name="console-project-pause",
    ),
    path(
        "console/projects/<slug:slug>/resume/",
        views.project_resume_view,
        name="console-project-resume",
    ),
    path("console/projects/<slug:slug>/cap/", views.project_cap_view, name="console-project-cap"),
    path("console/physicians/", views.physicians, name="console-physicians"),
    path(
        "console/physicians/<int:physician_id>/",
        views.physician_detail,
        name="console-physician",
    ),
    path(
        "console/physicians/<int:physician_id>/suspend/",
        views.physician_suspend_view,
        name="console-physician-suspend",
    ),
    path("console/cohorts/", views.cohorts, name="console-cohorts"),
    path("console/cohorts/<slug:slug>/", views.cohort_detail, name="console-cohort"),
    path("console/workload/", views.workload, name="console-workload"),
    path("console/audit/", views.audit, name="console-audit"),
    path("me/activity/", views.my_activity, name="my-activity"),
]
