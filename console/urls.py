"""Every page of the admin console (/console/), and the physician's own activity page.

The onboarding and cohort forms come first: `console/cohorts/new/` must win over the cohort page's
`console/cohorts/<slug>/`."""

from django.urls import path

from console import (
    comparison_views,
    criteria_views,
    people_views,
    project_views,
    sample_views,
    token_views,
    views,
)

urlpatterns = [
    # Physicians and cohorts: onboarding and the cohort forms.
    path(
        "console/physicians/invite/",
        people_views.physician_invite_view,
        name="console-physician-invite",
    ),
    path(
        "console/physicians/import/",
        people_views.physicians_import_view,
        name="console-physicians-import",
    ),
    path(
        "console/physicians/<int:physician_id>/verify/",
        people_views.physician_verify_view,
        name="console-physician-verify",
    ),
    path(
        "console/physicians/<int:physician_id>/reinstate/",
        people_views.physician_reinstate_view,
        name="console-physician-reinstate",
    ),
    path(
        "console/physicians/<int:physician_id>/resend/",
        people_views.physician_resend_view,
        name="console-physician-resend",
    ),
    path(
        "console/physicians/<int:physician_id>/cap/",
        people_views.physician_cap_view,
        name="console-physician-cap",
    ),
    path("console/cohorts/new/", people_views.cohort_create_view, name="console-cohort-new"),
    path(
        "console/cohorts/<slug:slug>/rename/",
        people_views.cohort_rename_view,
        name="console-cohort-rename",
    ),
    path(
        "console/cohorts/<slug:slug>/archive/",
        people_views.cohort_archive_view,
        name="console-cohort-archive",
    ),
    path(
        "console/cohorts/<slug:slug>/members/",
        people_views.cohort_member_add_view,
        name="console-cohort-member-add",
    ),
    path(
        "console/cohorts/<slug:slug>/members/<int:physician_id>/remove/",
        people_views.cohort_member_remove_view,
        name="console-cohort-member-remove",
    ),
    # Projects from a file or the rubric builder, sample uploads, tokens.
    path("console/projects/new/", project_views.project_new, name="console-project-new"),
    path(
        "console/projects/new/preview/",
        project_views.project_preview,
        name="console-project-preview",
    ),
    path(
        "console/projects/<slug:slug>/samples/",
        project_views.samples_upload,
        name="console-samples-upload",
    ),
    path("console/pipeline-tokens/", token_views.pipeline_tokens, name="console-pipeline-tokens"),
    path(
        "console/pipeline-tokens/<int:pipeline_token_id>/revoke/",
        token_views.pipeline_token_revoke_view,
        name="console-pipeline-token-revoke",
    ),
    path("me/tokens/", token_views.my_tokens, name="my-tokens"),
    path("me/tokens/<int:token_id>/revoke/", token_views.my_token_revoke, name="my-token-revoke"),
    # The sample browser.
    path("console/samples/", sample_views.sample_list, name="console-samples"),
    path("console/samples/<int:sample_id>/", sample_views.sample_detail, name="console-sample"),
    path(
        "console/samples/<int:sample_id>/release/",
        sample_views.sample_release_view,
        name="console-sample-release",
    ),
    path(
        "console/samples/<int:sample_id>/redact/",
        sample_views.sample_redact_view,
        name="console-sample-redact",
    ),
    path(
        "console/samples/<int:sample_id>/requeue/",
        sample_views.sample_requeue_view,
        name="console-sample-requeue",
    ),
    path(
        "console/samples/<int:sample_id>/gold/",
        sample_views.sample_gold_view,
        name="console-sample-gold",
    ),
    # The reading pages, and the project and physician actions on them.
    path("console/", views.console_home, name="console"),
    path("console/projects/", views.projects, name="console-projects"),
    path("console/projects/<slug:slug>/", views.project_detail, name="console-project"),
    path(
        "console/projects/<slug:slug>/criteria/",
        criteria_views.project_criteria,
        name="console-project-criteria",
    ),
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
    path(
        "console/projects/<slug:slug>/leaderboard/",
        comparison_views.project_leaderboard,
        name="console-project-leaderboard",
    ),
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
