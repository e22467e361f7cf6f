"""A Content-Security-Policy on every page: scripts, styles and images from this site only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["login", "home", "my-reviews", "swagger-ui"])
def test_pages_forbid_inline_and_foreign_scripts_and_images(client, cardiologist, name):
    client.force_login(cardiologist.user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] + policy["style-src"]
    assert not any(source in ("*", "https:", "http:") for source in policy["img-src"])
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]


@pytest.mark.django_db
def test_the_api_docs_load_swagger_from_this_site(client, cardiologist):
    client.force_login(cardiologist.user)
    response = client.get(reverse("swagger-ui"))
    html = response.content.decode()
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", html):
        assert "src=" in tag or "nonce=" in tag, tag
    script = client.get(reverse("swagger-ui") + "?script")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content


def test_no_template_carries_inline_script_style_or_handler():
    """What the policy would block: `<script>` without src, `<style>`, style= and on*= attributes
    (unless nonced)."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>|<style\b[^>]*>", text):
            if "src=" not in tag and "nonce=" not in tag:
                offenders.append(f"{path.name}: {tag}")
        for attribute in re.findall(r"""\s(?:style|on[a-z]+)=["']""", text):
            offenders.append(f"{path.name}: {attribute.strip()}")
    assert not offenders
