"""Error pages in the product's look (403, 404, 500), with DEBUG off and on; a favicon."""

from __future__ import annotations

import pytest

from curation.models import Assignment
from tests.browser.test_review_keyboard import sign_in
from tests.factories import SampleFactory

pytestmark = pytest.mark.browser

TECHNICAL = ("URLconf", "Traceback", "DEBUG = True", "Request Method", "Django")


def looks_like_the_product(page) -> None:
    html = page.content()
    for leak in TECHNICAL:
        assert leak not in html, f"{leak!r} on an error page"
    assert page.locator("header.topbar a.brand").inner_text() == "Rounds"
    assert page.locator("link[rel=icon]").count() == 1


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_a_missing_page_is_the_products_404_with_a_way_back(
    committed, page, settings, cardiologist, project, debug
):
    settings.DEBUG = debug
    sign_in(page, cardiologist.user)

    for url in ("/no/such/page/", "/review/999999/", "/reviews/999999/"):
        response = page.goto(url)
        assert response.status == 404, url
        assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
        looks_like_the_product(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Back to my work").click()
    assert page.get_by_role("heading", name="My work").is_visible()

    assert page.goto("/reviews").url.endswith("/reviews/")  # APPEND_SLASH still redirects
    api = page.request.get("/api/no-such-endpoint/")
    assert api.status == 404 and api.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_a_forbidden_page_and_an_expired_form_are_the_products_403(
    committed, page, settings, cardiologist, project, debug
):
    settings.DEBUG = debug
    SampleFactory(project=project)
    sign_in(page, cardiologist.user)

    response = page.goto("/console/")
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "You cannot open this page"
    assert "The admin console is for admins." in page.locator("main").inner_text()
    looks_like_the_product(page)

    # My work stays open in one tab while the physician signs out and in again in another:
    # the form in the first tab is stale.
    page.goto("/")
    other = page.context.new_page()
    other.goto("/")
    with other.expect_navigation():
        other.get_by_role("button", name="Sign out").click()
    sign_in(other, cardiologist.user)
    other.close()
    with page.expect_navigation():
        page.get_by_role("button", name=f"Start reviewing {project.name}").click()
    assert page.get_by_role("heading", level=1).inner_text() == "This form has expired"
    looks_like_the_product(page)
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_a_failure_is_the_products_500_without_a_traceback(
    committed, page, settings, cardiologist, debug
):
    settings.DEBUG = debug
    settings.ROOT_URLCONF = "tests.browser.failing_urls"
    sign_in(page, cardiologist.user)
    response = page.goto("/fail-for-test/")
    assert response.status == 500
    assert page.get_by_role("heading", level=1).inner_text() == "Something went wrong on our side"
    looks_like_the_product(page)


def test_the_favicon_is_served(committed, page, cardiologist):
    sign_in(page, cardiologist.user)
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(icon).headers["content-type"].startswith("image/svg")
    legacy = page.request.get("/favicon.ico")
    assert legacy.ok and legacy.headers["content-type"].startswith("image/svg")
