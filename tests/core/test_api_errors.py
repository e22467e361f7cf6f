"""Every API error is JSON and documented: unknown URLs under /api/, and the error codes."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    ["/api/nowhere/", "/api/assignments/abc/", "/api/projects/%C3%B0/", "/api/exports/1/x/"],
)
def test_an_unknown_api_url_answers_json_404(admin, path):
    client = APIClient()
    client.force_authenticate(admin)
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["code"] == "not_found"


def test_an_unknown_page_url_still_answers_the_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_every_operation_documents_the_errors_any_request_can_meet():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    missing = [
        f"{method.upper()} {path}: {code}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for code in ("400", "401", "403", "404", "429", "503")
        if code not in operation["responses"]
    ]
    assert missing == []


@pytest.mark.parametrize(
    "path",
    ["/api/projects/", "/api/reviews/", "/api/assignments/", "/api/exports/"],
)
@pytest.mark.parametrize("query", ["limit=10723151780598845931", "offset=2344716147600763125760"])
def test_numbers_beyond_bigint_in_paging_are_a_page_not_a_500(admin, path, query):
    client = APIClient()
    client.force_authenticate(admin)
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []
