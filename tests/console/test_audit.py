"""The audit log page for admins, and a physician's own activity."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotators.services import physician_daily_cap_set
from core.audit import audit_record
from tests.console.conftest import review
from tests.factories import SampleFactory

pytestmark = pytest.mark.django_db


def test_admin_filters_the_audit_log(client, admin, cardiologist, second_cardiologist, project):
    SampleFactory.create_batch(2, project=project)
    review(cardiologist, project)
    review(second_cardiologist, project)
    physician_daily_cap_set(physician=cardiologist, daily_cap=3, actor=admin)
    client.force_login(admin)
    url = reverse("console-audit")

    def actions(**params) -> list[str]:
        return [e.action for e in client.get(url, params).context["page"]]

    assert set(actions(actor="alice")) == {"assignment.lease", "review.submit"}
    assert actions(action="physician.") == ["physician.daily_cap_set"]
    assert set(actions(type="annotators.physician")) == {"physician.daily_cap_set"}
    assert actions(**{"from": "2000-01-01", "to": "2000-01-02"}) == []
    response = client.get(url, {"from": "yesterday"})
    assert "“from” is not a date (YYYY-MM-DD); it was ignored." in response.content.decode()


def test_physician_reads_their_own_events_only(client, admin, cardiologist, second_cardiologist):
    audit_record(actor=cardiologist.user, action="review.submit", object_repr="mine")
    audit_record(actor=second_cardiologist.user, action="review.submit", object_repr="theirs")
    physician_daily_cap_set(physician=cardiologist, daily_cap=3, actor=admin)
    client.force_login(cardiologist.user)
    response = client.get(reverse("my-activity"))
    events = list(response.context["page"])
    assert {e.object_repr for e in events} == {"mine", str(cardiologist)}
    page = response.content.decode()
    assert "theirs" not in page
    assert "Daily cap set" in page


def test_my_activity_needs_sign_in(client):
    response = client.get(reverse("my-activity"))
    assert response.status_code == 302
