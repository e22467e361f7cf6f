from django.urls import path

from . import console_views, views

urlpatterns = [
    path(
        "invite/<uidb64>/<token>/",
        views.invitation_accept_view,
        name="invitation-accept",
    ),
    # The admin console: onboarding and cohorts (the reading pages are in curation.console_urls).
    path(
        "console/physicians/invite/",
        console_views.physician_invite_view,
        name="console-physician-invite",
    ),
    path(
        "console/physicians/import/",
        console_views.physicians_import_view,
        name="console-physicians-import",
    ),
    path(
        "console/physicians/<int:physician_id>/verify/",
        console_views.physician_verify_view,
        name="console-physician-verify",
    ),
    path(
        "console/physicians/<int:physician_id>/reinstate/",
        console_views.physician_reinstate_view,
        name="console-physician-reinstate",
    ),
    path(
        "console/physicians/<int:physician_id>/resend/",
        console_views.physician_resend_view,
        name="console-physician-resend",
    ),
    path(
        "console/physicians/<int:physician_id>/cap/",
        console_views.physician_cap_view,
        name="console-physician-cap",
    ),
    path("console/cohorts/new/", console_views.cohort_create_view, name="console-cohort-new"),
    path(
        "console/cohorts/<slug:slug>/rename/",
        console_views.cohort_rename_view,
        name="console-cohort-rename",
    ),
    path(
        "console/cohorts/<slug:slug>/archive/",
        console_views.cohort_archive_view,
        name="console-cohort-archive",
    ),
    path(
        "console/cohorts/<slug:slug>/members/",
        console_views.cohort_member_add_view,
        name="console-cohort-member-add",
    ),
    path(
        "console/cohorts/<slug:slug>/members/<int:physician_id>/remove/",
        console_views.cohort_member_remove_view,
        name="console-cohort-member-remove",
    ),
]
