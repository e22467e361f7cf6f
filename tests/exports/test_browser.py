"""An administrator watches an export's progress bar in Chromium until its card appears."""

from __future__ import annotations

import pytest
from django.test import Client

from exports.services import export_build, export_create
from tests.exports.conftest import review, settled

pytestmark = pytest.mark.browser


def test_admin_watches_the_build_finish_and_reads_the_card(
    committed, page, live_server, project, admin, cardiologist
):
    sample = settled(project, "acc-1", verdict="accept")
    review(sample, cardiologist, "accept")
    client = Client()
    client.force_login(admin)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    export = export_create(actor=admin, project=project, format="sft", enqueue=False)
    page.goto(f"/exports/{export.pk}/")
    assert page.locator("#export-status").inner_text() == "Queued"
    assert page.locator("#export-progress").count() == 1

    export_build(export_id=export.pk)  # what the worker does while the page polls

    page.get_by_role("heading", name="Dataset card").wait_for()
    assert "Done" in page.locator("#export-status").inner_text()
    assert page.locator("#export-progress").get_attribute("value") == "100"
    assert page.get_by_role("link", name="train (train.jsonl)").count() == 1
    assert page.get_by_role("cell", name="cardiology").count() >= 1
