"""The admin doors of the bridge: a link whose token never shows, a push action run by a real
worker, and the periodic pull."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from label_studio_sdk import LabelStudio

from core.models import AuditEvent
from curation.labelstudio.mapping import review_to_result
from curation.models import LabelStudioLink, LabelStudioTask, Review
from tests.factories import ProjectFactory, SampleFactory

TOKEN = "secret-label-studio-token-9f3a"


def _wait_for(check, *, worker, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out; worker log:\n{worker.log()[-4000:]}")


@pytest.mark.django_db
def test_link_admin_stores_the_token_encrypted_and_shows_only_its_end(client, admin, project):
    client.force_login(admin)
    response = client.post(
        reverse("admin:curation_labelstudiolink_add"),
        {"project": project.pk, "url": "http://ls.example.test:8080/", "token": TOKEN},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    link = LabelStudioLink.objects.get(project=project)
    assert link.url == "http://ls.example.test:8080"
    assert TOKEN not in link.token_encrypted
    assert link.get_token() == TOKEN

    page = client.get(reverse("admin:curation_labelstudiolink_change", args=[link.pk]))
    html = page.content.decode()
    assert TOKEN not in html
    assert "…9f3a" in html
    audit = AuditEvent.objects.get(action="labelstudio.link")
    assert TOKEN not in str(audit.after)

    # Saving again without a token keeps the stored one.
    client.post(
        reverse("admin:curation_labelstudiolink_change", args=[link.pk]),
        {"url": "http://ls.example.test:9090", "token": ""},
    )
    link.refresh_from_db()
    assert (link.url, link.get_token()) == ("http://ls.example.test:9090", TOKEN)


@pytest.mark.django_db
def test_push_action_on_an_unlinked_project_says_to_link_it_first(client, admin, project):
    client.force_login(admin)
    response = client.post(
        reverse("admin:curation_project_changelist"),
        {"action": "labelstudio_push_action", "_selected_action": [project.pk]},
        follow=True,
    )
    assert "not linked yet" in response.content.decode()


@pytest.mark.labelstudio
@pytest.mark.celery
def test_admin_push_and_periodic_pull_run_on_a_real_worker(
    committed_db, label_studio, celery_worker, client, admin, cohort, cardiologist
):
    from curation.labelstudio.services import labelstudio_link_save
    from curation.labelstudio.tasks import labelstudio_pull_linked

    project = ProjectFactory(slug="ls-worker", name="Worker push", cohorts=[cohort])
    SampleFactory.create_batch(20, project=project)
    labelstudio_link_save(
        project=project, url=label_studio.url, token=label_studio.token, actor=admin
    )
    client.force_login(admin)
    response = client.post(
        reverse("admin:curation_project_changelist"),
        {"action": "labelstudio_push_action", "_selected_action": [project.pk]},
        follow=True,
    )
    assert "Push queued for ls-worker" in response.content.decode()
    _wait_for(
        lambda: LabelStudioTask.objects.filter(sample__project=project).count() == 20,
        worker=celery_worker,
    )

    link = LabelStudioLink.objects.get(project=project)
    task = LabelStudioTask.objects.filter(link=link).order_by("sample_id").first()
    criteria = list(project.rubric.criteria.order_by("position"))
    alice = LabelStudio(base_url=label_studio.url, api_key=label_studio.user("alice@rounds.test"))
    alice.annotations.create(
        id=task.ls_task_id,
        result=review_to_result(
            criteria=criteria,
            grades={"accurate": True, "completeness": 5, "urgency": "urgent", "advises_er": None},
            verdict="accept",
        ),
    )
    labelstudio_pull_linked.delay()
    _wait_for(
        lambda: Review.objects.filter(
            sample_id=task.sample_id, reviewer=cardiologist.user
        ).exists(),
        worker=celery_worker,
    )
    link.refresh_from_db()
    assert link.last_pull_report["created"] == 1
