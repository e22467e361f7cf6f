"""In Chromium, the Content-Security-Policy blocks nothing the pages need, and blocks the rest."""

from __future__ import annotations

import pytest

from tests.browser.test_review_keyboard import sign_in, start
from tests.factories import SampleFactory

pytestmark = pytest.mark.browser


def violations(page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    return found


def test_review_page_and_api_docs_run_under_the_policy(committed, page, cardiologist, project):
    project.image_hosts = ["imaging.invalid"]
    project.save()
    SampleFactory(
        project=project,
        messages=[
            {"role": "user", "content": "Chest pain. ![pixel](https://tracker.invalid/p.gif)"}
        ],
    )
    blocked = violations(page)
    sign_in(page, cardiologist.user)
    start(page, project)
    # The page's own script runs (it focuses the first criterion).
    page.wait_for_function("() => document.activeElement?.name === 'grade_accurate'")
    # The markdown image from a host off the allow-list is refused by the browser itself.
    assert blocked and all("tracker.invalid" in text for text in blocked), blocked
    blocked.clear()

    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert not blocked, blocked
