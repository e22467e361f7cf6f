"""Every settings module serves the product's error pages; Django's technical pages are opt-in."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent.parent
PROBE = (
    "import django, json; django.setup(); from django.conf import settings;"
    "from django.urls import get_resolver; r = get_resolver().urlconf_module;"
    "print(json.dumps({'debug': settings.DEBUG,"
    " 'middleware': 'core.errorpages.ErrorPagesMiddleware' in settings.MIDDLEWARE,"
    " 'technical': getattr(settings, 'TECHNICAL_ERROR_PAGES', False),"
    " 'h404': r.handler404, 'h500': r.handler500}))"
)


@pytest.mark.parametrize("module", ["local", "production", "test"])
def test_each_settings_module_uses_the_product_error_pages(module, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": f"config.settings.{module}",
        "ROUNDS_VAR_DIR": str(tmp_path),
        "SECRET_KEY": secrets.token_urlsafe(64),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1/rounds"),
    }
    env.pop("DEBUG", None)
    env.pop("TECHNICAL_ERROR_PAGES", None)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["middleware"] and not found["technical"]
    assert found["h404"] == "core.errorpages.page_not_found"
    assert found["h500"] == "core.errorpages.server_error"
    assert found["debug"] is (module == "local")


@pytest.mark.django_db
def test_technical_pages_only_when_a_developer_asks_for_them(settings):
    settings.DEBUG = True
    assert b"URLconf" not in Client().get("/no/such/page/").content
    settings.TECHNICAL_ERROR_PAGES = True
    assert b"URLconf" in Client().get("/no/such/page/").content
    settings.DEBUG = False  # never without DEBUG
    assert b"URLconf" not in Client().get("/no/such/page/").content
