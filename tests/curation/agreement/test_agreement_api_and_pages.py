"""Starting runs and reading reports over REST; the dashboard and a physician's own page."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from core.models import AuditEvent
from curation.agreement.services import agreement_compute
from curation.models import AgreementReport


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(getattr(user, "user", user))
    return client


def test_admin_queues_a_run_that_is_not_run_in_the_request(
    project, admin, reviewed, django_capture_on_commit_callbacks, monkeypatch
):
    from core import outbox
    from core.models import OutboxMessage

    reviewed(3)
    published = []
    monkeypatch.setattr(outbox, "outbox_publish", lambda **kw: published.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        response = api(admin).post(f"/api/projects/{project.slug}/agreement/")
    assert response.status_code == 202
    message = OutboxMessage.objects.get()
    assert (message.task, message.args) == ("curation.compute_agreement", [project.pk, admin.pk])
    assert published == [{"message_id": message.pk}]
    assert not AgreementReport.objects.exists()
    assert AuditEvent.objects.filter(action="agreement.requested").exists()


@pytest.mark.parametrize("who", ["cardiologist", "lead", "outsider"])
def test_physicians_cannot_start_or_read_reports(project, who, request):
    client = api(request.getfixturevalue(who))
    assert client.post(f"/api/projects/{project.slug}/agreement/").status_code == 403
    assert client.get(f"/api/projects/{project.slug}/agreement/reports/").status_code == 403


def test_unknown_project_is_404_for_admin(admin):
    assert api(admin).get("/api/projects/nope/agreement/reports/latest/").status_code == 404


def test_reports_list_and_latest(project, admin, reviewed):
    reviewed(3)
    first = agreement_compute(project=project)
    second = agreement_compute(project=project)
    listing = api(admin).get(f"/api/projects/{project.slug}/agreement/reports/").json()
    assert [r["id"] for r in listing["results"]] == [second.pk, first.pk]
    assert "accurate" in listing["results"][0]["alpha"]
    latest = api(admin).get(f"/api/projects/{project.slug}/agreement/reports/latest/").json()
    assert latest["id"] == second.pk
    assert latest["figures"]["criteria"][0]["overall"]["n_items"] == 3


def test_command_prints_the_report_as_json(project, reviewed, capsys):
    reviewed(3)
    call_command("compute_agreement", "--project", project.slug, "--json")
    out = capsys.readouterr().out
    assert '"settled": 3' in out
    call_command("compute_agreement", "--project", project.slug)
    assert "alpha (nominal)" in capsys.readouterr().out


def test_dashboard_draws_the_chart_sorts_physicians_and_counts_the_queue(
    project, admin, reviewed, client
):
    reviewed(24)
    agreement_compute(project=project)
    client.force_login(admin)
    page = client.get(f"/projects/{project.slug}/agreement/?sort=name")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<circle" in html
    assert 'data-testid="queue-size">0<' in html
    names = [row["name"] for row in page.context["physicians"]]
    assert names == sorted(names)
    recompute = client.post(f"/projects/{project.slug}/agreement/")
    assert recompute.status_code == 302


def test_dashboard_is_refused_to_a_physician(project, cardiologist, client):
    client.force_login(cardiologist.user)
    assert client.get(f"/projects/{project.slug}/agreement/").status_code == 403


def test_physician_sees_own_agreement_once_samples_settle(project, cardiologist, reviewed, client):
    client.force_login(cardiologist.user)
    reviewed(4)
    assert (
        "None of the samples you reviewed is settled"
        in client.get("/me/agreement/").content.decode()
    )
    agreement_compute(project=project)
    page = client.get("/me/agreement/").content.decode()
    assert "4 settled samples I reviewed" in page
    data = api(cardiologist).get("/api/me/agreement/").json()
    assert data["settled"][0]["verdict_agreement"] == 1.0
    assert data["reports"][0]["reviews"] == 4
