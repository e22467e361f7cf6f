"""Administrators read the adjudication queue of their projects; only leads decide."""

from __future__ import annotations

from django.test import Client

from tests.factories import UserFactory

from .test_adjudication import DECISION, client_for, disputed  # noqa: F401 - fixture


def test_project_admin_reads_queue_and_sample_but_cannot_decide(disputed, project):  # noqa: F811
    admin = UserFactory(username="pat@rounds.test")
    project.admins.add(admin)
    api = client_for(admin)
    assert [s["id"] for s in api.get("/api/adjudication/").json()["results"]] == [disputed.pk]
    assert api.post(f"/api/adjudication/{disputed.pk}/", DECISION, format="json").status_code in (
        403,
        404,
    )
    page = Client()
    page.force_login(admin)
    queue = page.get("/adjudication/")
    assert queue.status_code == 200 and disputed.external_id in queue.content.decode()
    assert b"Record decision" not in page.get(f"/adjudication/{disputed.pk}/").content
    disputed.refresh_from_db()
    assert disputed.status == "adjudication"


def test_admin_of_another_project_sees_an_empty_queue(disputed):  # noqa: F811
    from tests.factories import ProjectFactory

    other = ProjectFactory(slug="elsewhere")
    admin = UserFactory(username="olga@rounds.test")
    other.admins.add(admin)
    assert client_for(admin).get("/api/adjudication/").json()["results"] == []
    page = Client()
    page.force_login(admin)
    assert page.get(f"/adjudication/{disputed.pk}/").status_code == 404


def test_a_field_left_on_choose_is_named_not_guessed(disputed, lead):  # noqa: F811
    page = Client()
    page.force_login(lead.user)
    response = page.post(
        f"/adjudication/{disputed.pk}/",
        {
            "grade-accurate": "met",
            "grade-completeness": "3",
            "grade-urgency": "",
            "grade-advises_er": "na",
            "verdict": "revise",
            "final_answer": "Call emergency services now.",
            "note": "Red flags.",
        },
    )
    assert response.status_code == 400
    assert "urgency" in response.content.decode().lower()
    disputed.refresh_from_db()
    assert disputed.status == "adjudication"
