"""Production settings, login throttling, API throttling, headers and log hygiene."""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from core.logging import RedactSecretsFilter
from core.throttling import TokenRateThrottle, client_ip
from core.tokens import api_token_create
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    dropped = ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")  # the browser tests set the last
    full_env = {k: v for k, v in os.environ.items() if k not in dropped}
    full_env.update(DJANGO_SETTINGS_MODULE="config.settings.production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PROD_ENV = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/rounds",
    "ALLOWED_HOSTS": "rounds.example.org",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


def test_check_deploy_is_clean_under_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(64),
        **PROD_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_with_debug_on():
    result = _manage("check", SECRET_KEY=secrets.token_urlsafe(64), DEBUG="1", **PROD_ENV)
    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "",
        "insecure-local-only-key-change-me",
        "short",
        "a" * 60,
        "ab" * 40,
        "0123456789" * 8,
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "django-insecure-" + secrets.token_urlsafe(50),
    ],
    ids=[
        "empty",
        "default",
        "short",
        "one-letter",
        "two-letters",
        "digits",
        "alphabet",
        "django-insecure",
    ],
)
def test_production_refuses_a_default_or_weak_secret_key(key):
    result = _manage("check", SECRET_KEY=key, **PROD_ENV)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_repeated_failed_sign_ins_lock_the_account(client):
    UserFactory(username="alice@rounds.test", password="correct-horse-battery")
    url = reverse("login")
    codes = [
        client.post(url, {"username": "alice@rounds.test", "password": "wrong"}).status_code
        for _ in range(5)
    ]
    assert codes == [200, 200, 200, 200, 429]  # the fifth failure locks the account
    good = {"username": "alice@rounds.test", "password": "correct-horse-battery"}
    locked = client.post(url, good)
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_successful_sign_in_is_not_throttled(client):
    UserFactory(username="bob@rounds.test", password="correct-horse-battery")
    client.post(reverse("login"), {"username": "bob@rounds.test", "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": "bob@rounds.test", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


@pytest.mark.django_db
def test_each_api_token_has_its_own_rate_limit(client, monkeypatch):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    user = UserFactory(is_staff=True)
    _, first = api_token_create(user=user, name="ci")
    _, second = api_token_create(user=user, name="notebook")
    url = reverse("schema")
    codes = [client.get(url, HTTP_AUTHORIZATION=f"Bearer {first}").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 200


@pytest.mark.django_db
def test_responses_carry_security_headers(client):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response.cookies["csrftoken"]["samesite"] == "Lax"


def test_weak_passwords_are_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("12345678901", "password123", "short"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("a sound clinical passphrase 42")


def test_logs_never_carry_tokens_or_email_addresses():
    record = logging.LogRecord(
        "rounds",
        logging.INFO,
        __file__,
        1,
        "auth Authorization: Bearer rnd_abcdefghijklmnop for %s with rpl_ZZZZZZZZZZZZ",
        ("alice@hospital.org",),
        None,
    )
    RedactSecretsFilter().filter(record)
    message = record.getMessage()
    assert "abcdefghijklmnop" not in message
    assert "ZZZZZZZZZZZZ" not in message
    assert "alice@hospital.org" not in message
    assert "[redacted]" in message and "[e-mail]" in message


@pytest.mark.django_db
def test_one_address_trying_a_few_passwords_on_many_accounts_is_stopped(client, settings):
    """Credential stuffing: 4 guesses on each of 8 accounts stays under the per-account lockout."""
    settings.LOGIN_IP_FAILURE_LIMIT = 20
    for n in range(9):
        UserFactory(username=f"doc{n}@rounds.test", password="correct-horse-battery")
    url = reverse("login")
    codes = [
        client.post(url, {"username": f"doc{n}@rounds.test", "password": f"guess-{i}"}).status_code
        for n in range(8)
        for i in range(4)
    ]
    # Twenty failures from one address, whatever the accounts; then the address is locked out.
    assert codes[:20] == [200] * 20
    assert codes[20:] == [429] * 12
    good = {"username": "doc8@rounds.test", "password": "correct-horse-battery"}
    refused = client.post(url, good)
    assert refused.status_code == 429
    assert b"Too many failed sign-ins" in refused.content
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    assert client.post(url, good, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_the_client_address_behind_proxies_ignores_what_the_client_wrote(rf, settings):
    forged = "6.6.6.6, 203.0.113.9"  # the client wrote 6.6.6.6; nginx appended 203.0.113.9
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forged, REMOTE_ADDR="10.0.0.2")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "6.6.6.6"


@pytest.mark.parametrize(
    "key",
    [
        secrets.token_urlsafe(64),
        secrets.token_hex(32),
        "".join(
            secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)") for _ in range(50)
        ),
    ],
    ids=["token_urlsafe", "token_hex", "django-style"],
)
def test_production_accepts_a_random_secret_key(key):
    result = _manage("check", SECRET_KEY=key, **PROD_ENV)
    assert result.returncode == 0, result.stderr


def test_production_refuses_the_console_mail_backend_unless_told():
    env = {**PROD_ENV, "SECRET_KEY": secrets.token_urlsafe(64)}
    del env["EMAIL_BACKEND"]  # the default is the console
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "console e-mail backend" in result.stderr
    console = "django.core.mail.backends.console.EmailBackend"
    assert _manage("check", **{**env, "EMAIL_BACKEND": console}).returncode != 0
    allowed = _manage("check", **{**env, "EMAIL_BACKEND": console, "EMAIL_CONSOLE_ALLOWED": "1"})
    assert allowed.returncode == 0, allowed.stderr


def test_gunicorn_access_log_masks_addresses_and_token_urls():
    from config.gunicorn import RedactingLogger

    atoms = RedactingLogger.scrub_atoms(
        {
            "r": "GET /accounts/reset/MTI/cbx3a7-0123456789abcdef0123456789abcdef/ HTTP/1.1",
            "U": "/invite/MTI/cbx3a7-0123456789abcdef0123456789abcdef/",
            "q": "q=alice%40example.org&email=bob@example.org",
            "f": "https://rounds.example.org/accounts/reset/MTI/set-password/",
            "s": "200",
        }
    )
    line = " ".join(str(v) for v in atoms.values())
    assert "0123456789abcdef" not in line
    assert "alice" not in line and "bob@" not in line
    assert "/accounts/reset/[redacted]/" in atoms["r"] and "/invite/[redacted]/" in atoms["U"]
    assert atoms["s"] == "200"


def test_gunicorn_uses_the_redacting_logger():
    import config.gunicorn

    assert config.gunicorn.logger_class is config.gunicorn.RedactingLogger
