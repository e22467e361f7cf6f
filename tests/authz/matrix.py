"""Who may call what: the expected HTTP status of every route, for every method and role.

Each entry maps a method to eleven statuses, one per role in this order:

    anonymous  reviewer  outsider  lead  project_admin  staff  superuser  pipeline
    admin_reviewer  lead_reviewer  suspended_lead

- reviewer: a verified physician in a cohort of the project, holding a lease and a review;
- outsider: a verified physician in no cohort of the project;
- lead: the lead of the project's cohort;
- project_admin: a non-staff user who administers the project;
- staff and superuser: Rounds administrators;
- pipeline: a pipeline token scoped to the project (API only; pages see it as anonymous);
- admin_reviewer: a physician of the panel who also administers the project; the adjudication
  routes ask her about the open sample she holds a live lease on, which a peer has reviewed:
  blindness holds, so it is the one door's 404;
- lead_reviewer: a lead who reviewed the disputed sample: she reads it, never decides it (403);
- suspended_lead: a lead of the panel whose account is suspended: 403 on every lead action.

"*" is every method the entry does not name. Reading the table: 401/302 ask to sign in, 403 is
"not for you", 404 is the one door's answer for missing and forbidden alike, 405 a method the
route does not serve once the caller may use it, and 400/409 mean the caller got past the
permission check to validation or state (the matrix posts an empty JSON body).
"""

from __future__ import annotations

ROLE_ORDER = (
    "anonymous",
    "reviewer",
    "outsider",
    "lead",
    "project_admin",
    "staff",
    "superuser",
    "pipeline",
    "admin_reviewer",
    "lead_reviewer",
    "suspended_lead",
)

EXPECTED: dict[str, dict[str, str]] = {
    # /favicon.ico: a public redirect to the static icon
    "favicon": {
        "*": "302 302 302 302 302 302 302 302 302 302 302",
    },
    # /api/schema/
    "schema": {
        "*": "401 405 405 405 405 405 405 403 405 405 405",
        "GET": "401 200 200 200 200 200 200 403 200 200 200",
    },
    # /api/docs/
    "swagger-ui": {
        "*": "401 405 405 405 405 405 405 403 405 405 405",
        "GET": "401 200 200 200 200 200 200 403 200 200 200",
    },
    # /api/projects/authz-project/samples/import/
    "api-samples-import": {
        "*": "401 405 405 405 405 405 405 403 405 405 405",
        "POST": "401 404 404 404 400 400 400 403 400 404 404",
    },
    # /api/projects/
    "api-projects": {
        "*": "401 405 405 405 403 405 405 403 405 405 405",
        "GET": "401 200 200 200 403 200 200 403 200 200 200",
    },
    # /api/projects/authz-project/
    "api-project-detail": {
        "*": "401 405 405 405 403 405 405 403 405 405 405",
        "GET": "401 200 404 200 403 200 200 403 200 200 200",
    },
    # /api/projects/authz-project/next/
    "api-project-next": {
        "*": "401 405 405 405 403 403 403 403 405 405 403",
        "POST": "401 200 404 201 403 403 403 403 200 204 403",
    },
    # /api/assignments/
    "api-assignments": {
        "*": "401 405 405 405 403 405 405 403 405 405 405",
        "GET": "401 200 200 200 403 200 200 403 200 200 200",
    },
    # /api/assignments/<id>/
    "api-assignment-detail": {
        "*": "401 405 405 405 403 405 405 403 405 405 405",
        "GET": "401 200 404 404 403 200 200 403 404 404 404",
    },
    # /api/assignments/undo/ (409: nothing to undo, or the sample moved on to adjudication)
    "api-assignment-undo": {
        "*": "401 405 405 405 403 403 403 403 405 405 403",
        "POST": "401 409 409 409 403 403 403 403 409 409 403",
    },
    # /api/assignments/<id>/skip/
    "api-assignment-skip": {
        "*": "401 405 405 405 403 403 403 403 405 405 403",
        "POST": "401 400 404 404 403 403 403 403 404 404 403",
    },
    # /api/assignments/<id>/comparison/ (the world's assignment is of a grading project: 404)
    "api-assignment-comparison": {
        "*": "401 405 405 405 403 403 403 403 405 405 403",
        "GET": "401 404 404 404 403 403 403 403 404 404 403",
        "POST": "401 404 404 404 403 403 403 403 404 404 403",
    },
    # /api/assignments/<id>/submit/
    "api-assignment-submit": {
        "*": "401 405 405 405 403 403 403 403 405 405 403",
        "POST": "401 400 404 404 403 403 403 403 404 404 403",
    },
    # /api/assignments/<id>/draft/
    "api-assignment-draft": {
        "*": "401 405 405 405 403 403 403 403 405 405 403",
        "PUT": "401 400 404 404 403 403 403 403 404 404 403",
    },
    # /api/reviews/
    "api-reviews": {
        "*": "401 405 405 405 403 405 405 403 405 405 405",
        "GET": "401 200 200 200 403 200 200 403 200 200 200",
    },
    # /api/reviews/<id>/
    "api-review-detail": {
        "*": "401 405 405 405 403 405 405 403 405 405 405",
        "GET": "401 200 404 404 403 200 200 403 404 404 404",
        "PUT": "401 400 404 404 403 403 403 403 404 404 403",
        "PATCH": "401 409 404 404 403 403 403 403 404 404 403",
    },
    # /api/review-stats/
    "api-review-stats": {
        "*": "401 405 405 405 403 405 405 403 405 405 405",
        "GET": "401 200 200 200 403 200 200 403 200 200 200",
    },
    # /api/projects/authz-project/agreement/
    "api-agreement-run": {
        "*": "401 403 403 403 405 405 405 403 405 403 403",
        "POST": "401 403 403 403 202 202 202 403 202 403 403",
    },
    # /api/projects/authz-project/agreement/reports/
    "api-agreement-reports": {
        "*": "401 403 403 403 405 405 405 403 405 403 403",
        "GET": "401 403 403 403 200 200 200 403 200 403 403",
    },
    # /api/projects/authz-project/criteria/meta-evaluation/ (400: no ?grader=name@version)
    "api-criteria-meta-evaluation": {
        "*": "401 403 403 403 405 405 405 403 405 403 403",
        "GET": "401 403 403 403 400 400 400 403 400 403 403",
    },
    # /api/projects/authz-project/criteria/grades/ (a physician of the project, or a model
    # grader's token; 400: the empty body names no sample)
    "api-criteria-grades": {
        "*": "401 405 405 405 405 405 405 403 405 405 405",
        "POST": "401 400 404 400 404 403 403 403 400 400 403",
    },
    # /api/projects/authz-project/criteria/score/
    "api-criteria-score": {
        "*": "401 403 403 403 405 405 405 403 405 403 403",
        "GET": "401 403 403 403 200 200 200 403 200 403 403",
    },
    # /api/projects/authz-project/agreement/reports/latest/
    "api-agreement-latest": {
        "*": "401 403 403 403 405 405 405 403 405 403 403",
        "GET": "401 403 403 403 404 404 404 403 404 403 403",
    },
    # /api/adjudication/
    "api-adjudication-queue": {
        "*": "401 403 403 405 405 405 405 403 405 405 403",
        "GET": "401 403 403 200 200 200 200 403 200 200 403",
        "POST": "401 403 403 405 403 403 403 403 403 405 403",
    },
    # /api/adjudication/<id>/
    "api-adjudication-sample": {
        "*": "401 403 403 405 405 405 405 403 405 405 403",
        "GET": "401 403 403 200 200 200 200 403 404 200 403",
        "POST": "401 403 403 400 403 403 403 403 403 403 403",
    },
    # /api/me/agreement/
    "api-own-agreement": {
        "*": "401 405 405 405 405 405 405 403 405 405 405",
        "GET": "401 200 200 200 200 200 200 403 200 200 200",
    },
    # /api/exports/
    "api-exports": {
        "*": "401 403 403 403 405 405 405 405 405 403 403",
        "GET": "401 403 403 403 200 200 200 200 200 403 403",
        "POST": "401 403 403 403 400 400 400 400 400 403 403",
    },
    # /api/exports/<id>/
    "api-export-detail": {
        "*": "401 403 403 403 405 405 405 405 405 403 403",
        "GET": "401 403 403 403 200 200 200 200 200 403 403",
    },
    # /api/exports/<id>/download/
    "api-export-download": {
        "*": "401 403 403 403 405 405 405 405 405 403 403",
        "GET": "401 403 403 403 409 409 409 409 409 403 403",
    },
    # /api/exports/<id>/download-link/ (the export is still queued: 409)
    "api-export-download-link": {
        "*": "401 403 403 403 405 405 405 405 405 403 403",
        "GET": "401 403 403 403 409 409 409 409 409 403 403",
    },
    # /api/exports/<id>/retry/ (queued, not failed: 409; a token other than the one that asked:
    # 403)
    "api-export-retry": {
        "*": "401 403 403 403 405 405 405 405 405 403 403",
        "POST": "401 403 403 403 409 409 409 403 409 403 403",
    },
    # /metrics (staff, or the operators' token; a pipeline token is not one)
    "metrics": {
        "*": "405 405 405 405 405 405 405 405 405 405 405",
        "GET": "401 403 403 403 403 200 200 403 403 403 403",
    },
    # /api/exports/<id>/manifest/
    "api-export-manifest": {
        "*": "401 403 403 403 405 405 405 405 405 403 403",
        "GET": "401 403 403 403 409 409 409 409 409 403 403",
    },
    # /api/exports/<id>/card/
    "api-export-card": {
        "*": "401 403 403 403 405 405 405 405 405 403 403",
        "GET": "401 403 403 403 409 409 409 409 409 403 403",
    },
    # /api/projects/authz-project/exports/latest/
    "api-project-export-latest": {
        "*": "401 403 403 403 405 405 405 405 405 403 403",
        "GET": "401 403 403 403 400 400 400 400 400 403 403",
    },
    # /accounts/login/
    "login": {
        "*": "200 200 200 200 200 200 200 200 200 200 200",
        "PATCH": "405 405 405 405 405 405 405 405 405 405 405",
        "DELETE": "405 405 405 405 405 405 405 405 405 405 405",
    },
    # /accounts/logout/
    "logout": {
        "*": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "302 302 302 302 302 302 302 302 302 302 302",
    },
    # /accounts/password_change/
    "password_change": {
        "*": "302 200 200 200 200 200 200 302 200 200 200",
        "PATCH": "302 405 405 405 405 405 405 302 405 405 405",
        "DELETE": "302 405 405 405 405 405 405 302 405 405 405",
    },
    # /accounts/password_change/done/
    "password_change_done": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "GET": "302 200 200 200 200 200 200 302 200 200 200",
    },
    # /accounts/password_reset/
    "password_reset": {
        "*": "200 200 200 200 200 200 200 200 200 200 200",
        "PATCH": "405 405 405 405 405 405 405 405 405 405 405",
        "DELETE": "405 405 405 405 405 405 405 405 405 405 405",
    },
    # /accounts/password_reset/done/
    "password_reset_done": {
        "*": "405 405 405 405 405 405 405 405 405 405 405",
        "GET": "200 200 200 200 200 200 200 200 200 200 200",
    },
    # /accounts/reset/MQ/set-password/
    "password_reset_confirm": {
        "*": "200 200 200 200 200 200 200 200 200 200 200",
    },
    # /accounts/reset/done/
    "password_reset_complete": {
        "*": "405 405 405 405 405 405 405 405 405 405 405",
        "GET": "200 200 200 200 200 200 200 200 200 200 200",
    },
    # /projects/authz-project/criteria/write/ (a physician of the project; 400: empty form)
    "criteria-write": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "GET": "302 200 404 200 404 403 403 302 200 200 403",
        "POST": "302 400 404 400 404 403 403 302 400 400 403",
    },
    # /projects/authz-project/criteria/validate/ (404 on POST: no such criterion)
    "criteria-validate": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "GET": "302 200 404 200 404 403 403 302 200 200 403",
        "POST": "302 404 404 404 404 403 403 302 404 404 403",
    },
    # /projects/authz-project/criteria/grade/ (a physician of the project; 400: empty form)
    "criteria-grade": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "GET": "302 200 404 200 404 403 403 302 200 200 403",
        "POST": "302 400 404 400 404 403 403 302 400 400 403",
    },
    # /criteria/disputed/ (leads and project administrators; POST of nothing: 404)
    "criteria-disputed": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "GET": "302 403 403 200 200 200 200 302 200 200 403",
        "POST": "302 403 403 404 404 404 404 302 404 404 403",
    },
    # /projects/authz-project/agreement/
    "agreement-dashboard": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "GET": "302 403 403 403 200 200 200 302 200 403 403",
        "POST": "302 403 403 403 302 302 302 302 302 403 403",
    },
    # /adjudication/
    "adjudication-queue": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "GET": "302 403 403 200 200 200 200 302 200 200 403",
    },
    # /adjudication/<id>/
    "adjudication-decide": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "GET": "302 403 403 200 200 200 200 302 404 200 403",
        "POST": "302 403 403 400 403 403 403 302 404 403 403",
    },
    # /me/agreement/
    "own-agreement": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "GET": "302 200 200 200 200 200 200 302 200 200 200",
    },
    # /exports/
    "export-list": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "GET": "302 403 403 403 403 200 200 302 403 403 403",
        "POST": "302 403 403 403 403 200 200 302 403 403 403",
    },
    # /exports/<id>/
    "export-detail": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "GET": "302 403 403 403 403 200 200 302 403 403 403",
    },
    # /exports/<id>/progress/
    "export-progress": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "GET": "302 403 403 403 403 200 200 302 403 403 403",
    },
    # /exports/<id>/retry/
    "export-retry": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "POST": "302 403 403 403 403 302 302 302 403 403 403",
    },
    # /invite/MQ/set-password/
    "invitation-accept": {
        "*": "404 404 404 404 404 404 404 404 404 404 404",
    },
    # /console/physicians/invite/
    "console-physician-invite": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "GET": "302 403 403 403 403 200 200 302 403 403 403",
        "POST": "302 403 403 403 403 200 200 302 403 403 403",
    },
    # /console/physicians/import/
    "console-physicians-import": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "GET": "302 403 403 403 403 200 200 302 403 403 403",
        "POST": "302 403 403 403 403 200 200 302 403 403 403",
    },
    # /console/physicians/<id>/verify/
    "console-physician-verify": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "POST": "302 403 403 403 403 302 302 302 403 403 403",
    },
    # /console/physicians/<id>/reinstate/
    "console-physician-reinstate": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "POST": "302 403 403 403 403 302 302 302 403 403 403",
    },
    # /console/physicians/<id>/resend/
    "console-physician-resend": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "POST": "302 403 403 403 403 302 302 302 403 403 403",
    },
    # /console/physicians/<id>/cap/
    "console-physician-cap": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "POST": "302 403 403 403 403 302 302 302 403 403 403",
    },
    # /console/cohorts/new/
    "console-cohort-new": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "GET": "302 403 403 403 403 200 200 302 403 403 403",
        "POST": "302 403 403 403 403 200 200 302 403 403 403",
    },
    # /console/cohorts/authz-panel/rename/
    "console-cohort-rename": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "POST": "302 403 403 403 403 302 302 302 403 403 403",
    },
    # /console/cohorts/authz-panel/archive/
    "console-cohort-archive": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "POST": "302 403 403 403 403 302 302 302 403 403 403",
    },
    # /console/cohorts/authz-panel/members/
    "console-cohort-member-add": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "POST": "302 403 403 403 403 302 302 302 403 403 403",
    },
    # /console/cohorts/authz-panel/members/<id>/remove/
    "console-cohort-member-remove": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "POST": "302 403 403 403 403 302 302 302 403 403 403",
    },
    # /console/
    "console": {
        "*": "302 403 403 403 405 405 405 302 405 403 403",
        "GET": "302 403 403 403 302 302 302 302 302 403 403",
    },
    # /console/projects/
    "console-projects": {
        "*": "302 403 403 403 405 405 405 302 405 403 403",
        "GET": "302 403 403 403 200 200 200 302 200 403 403",
    },
    # /console/projects/authz-project/
    "console-project": {
        "*": "302 403 403 403 405 405 405 302 405 403 403",
        "GET": "302 403 403 403 200 200 200 302 200 403 403",
    },
    # /console/projects/authz-project/leaderboard/ (a grading project: no leaderboard, 404)
    "console-project-leaderboard": {
        "*": "302 403 403 403 405 405 405 302 405 403 403",
        "GET": "302 403 403 403 404 404 404 302 404 403 403",
    },
    # /console/projects/authz-project/criteria/
    "console-project-criteria": {
        "*": "302 403 403 403 405 405 405 302 405 403 403",
        "GET": "302 403 403 403 200 200 200 302 200 403 403",
    },
    # /console/projects/authz-project/pause/
    "console-project-pause": {
        "*": "302 403 403 403 405 405 405 302 405 403 403",
        "POST": "302 403 403 403 302 302 302 302 302 403 403",
    },
    # /console/projects/authz-project/resume/
    "console-project-resume": {
        "*": "302 403 403 403 405 405 405 302 405 403 403",
        "POST": "302 403 403 403 302 302 302 302 302 403 403",
    },
    # /console/projects/authz-project/cap/
    "console-project-cap": {
        "*": "302 403 403 403 405 405 405 302 405 403 403",
        "POST": "302 403 403 403 302 302 302 302 302 403 403",
    },
    # /console/physicians/
    "console-physicians": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "GET": "302 403 403 403 403 200 200 302 403 403 403",
    },
    # /console/physicians/<id>/
    "console-physician": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "GET": "302 403 403 403 403 200 200 302 403 403 403",
    },
    # /console/physicians/<id>/suspend/
    "console-physician-suspend": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "POST": "302 403 403 403 403 302 302 302 403 403 403",
    },
    # /console/cohorts/
    "console-cohorts": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "GET": "302 403 403 403 403 200 200 302 403 403 403",
    },
    # /console/cohorts/authz-panel/
    "console-cohort": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "GET": "302 403 403 403 403 200 200 302 403 403 403",
    },
    # /console/workload/
    "console-workload": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "GET": "302 403 403 403 403 200 200 302 403 403 403",
    },
    # /console/audit/
    # /console/samples/ (the sample browser: admins and leads of the project)
    "console-samples": {
        "*": "302 403 403 405 405 405 405 302 405 405 403",
        "GET": "302 403 403 200 200 200 200 302 200 200 403",
    },
    # /console/samples/<id>/
    "console-sample": {
        "*": "302 403 403 405 405 405 405 302 405 405 403",
        "GET": "302 403 403 200 200 200 200 302 200 200 403",
    },
    # /console/samples/<id>/release/ (only the project's administrators act; a lead gets 403;
    # the empty body is refused with a message on the sample's page)
    "console-sample-release": {
        "*": "302 403 403 405 405 405 405 302 405 405 403",
        "POST": "302 403 403 403 302 302 302 302 302 403 403",
    },
    # /console/samples/<id>/redact/
    "console-sample-redact": {
        "*": "302 403 403 405 405 405 405 302 405 405 403",
        "POST": "302 403 403 403 302 302 302 302 302 403 403",
    },
    # /console/samples/<id>/requeue/
    "console-sample-requeue": {
        "*": "302 403 403 405 405 405 405 302 405 405 403",
        "POST": "302 403 403 403 302 302 302 302 302 403 403",
    },
    # /console/samples/<id>/gold/
    "console-sample-gold": {
        "*": "302 403 403 405 405 405 405 302 405 405 403",
        "POST": "302 403 403 403 302 302 302 302 302 403 403",
    },
    "console-audit": {
        "*": "302 403 403 403 403 405 405 302 403 403 403",
        "GET": "302 403 403 403 403 200 200 302 403 403 403",
    },
    # /me/activity/
    "my-activity": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "GET": "302 200 200 200 200 200 200 302 200 200 200",
    },
    # /
    "home": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "GET": "302 200 200 200 200 200 200 302 200 200 200",
    },
    # /projects/authz-project/next/
    "project-next": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "GET": "302 302 404 200 404 403 403 302 302 200 403",
        "POST": "302 302 404 302 404 403 403 302 302 200 403",
    },
    # /projects/authz-project/guidelines/
    "project-guidelines": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "GET": "302 200 404 200 404 200 200 302 200 200 200",
    },
    # /review/<id>/
    "review": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "GET": "302 200 404 404 404 200 200 302 404 404 404",
        "POST": "302 400 404 404 404 400 400 302 404 404 404",
    },
    # /compare/<id>/ (the world's assignment is of a grading project: it opens the review page)
    "comparison-review": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "GET": "302 302 404 404 404 302 302 302 404 404 404",
        "POST": "302 302 404 404 404 302 302 302 404 404 404",
    },
    # /review/<id>/skip/
    "review-skip": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "POST": "302 400 404 404 404 400 400 302 404 404 404",
    },
    # /review/undo/ (the service refuses or undoes; either way a redirect)
    "review-undo": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "POST": "302 302 302 302 302 302 302 302 302 302 302",
    },
    # /review/<id>/draft/
    "review-draft": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "POST": "302 200 404 404 404 404 404 302 404 404 404",
    },
    # /reviews/
    "my-reviews": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "GET": "302 200 200 200 200 200 200 302 200 200 200",
    },
    # /reviews/<id>/
    "my-review": {
        "*": "302 405 405 405 405 405 405 302 405 405 405",
        "GET": "302 200 404 404 404 200 200 302 404 404 404",
        "POST": "302 409 404 404 404 409 409 302 404 404 404",
    },
}


def expected_status(route: str, method: str, role: str) -> int:
    entry = EXPECTED[route]
    codes = entry.get(method, entry["*"]).split()
    return int(codes[ROLE_ORDER.index(role)])


# The console's setup pages and API tokens: a project from a file or the builder (staff), the
# sample upload (staff and the project's admins), pipeline tokens (staff), and every signed-in
# user's own personal tokens (a token of someone else's is the one door's 404).
EXPECTED.update(
    {
        # /console/projects/new/
        "console-project-new": {
            "*": "302 403 403 403 403 405 405 302 403 403 403",
            "GET": "302 403 403 403 403 200 200 302 403 403 403",
            "POST": "302 403 403 403 403 400 400 302 403 403 403",
        },
        # /console/projects/new/preview/
        "console-project-preview": {
            "*": "302 403 403 403 403 405 405 302 403 403 403",
            "POST": "302 403 403 403 403 400 400 302 403 403 403",
        },
        # /console/projects/authz-project/samples/
        "console-samples-upload": {
            "*": "302 403 403 403 405 405 405 302 405 403 403",
            "GET": "302 403 403 403 200 200 200 302 200 403 403",
        },
        # /console/pipeline-tokens/
        "console-pipeline-tokens": {
            "*": "302 403 403 403 403 405 405 302 403 403 403",
            "GET": "302 403 403 403 403 200 200 302 403 403 403",
            "POST": "302 403 403 403 403 200 200 302 403 403 403",
        },
        # /console/pipeline-tokens/<id>/revoke/
        "console-pipeline-token-revoke": {
            "*": "302 403 403 403 403 405 405 302 403 403 403",
            "POST": "302 403 403 403 403 302 302 302 403 403 403",
        },
        # /me/tokens/
        "my-tokens": {
            "*": "302 405 405 405 405 405 405 302 405 405 405",
            "GET": "302 200 200 200 200 200 200 302 200 200 200",
            "POST": "302 200 200 200 200 200 200 302 200 200 200",
        },
        # /me/tokens/<id>/revoke/ (the world's token is the reviewer's)
        "my-token-revoke": {
            "*": "302 405 405 405 405 405 405 302 405 405 405",
            "POST": "302 302 404 404 404 404 404 302 404 404 404",
        },
    }
)
