"""Production: refuses to start with DEBUG on, without a real secret key, or with mail printed to
the console (invitation and password-reset links would land in the web log)."""

import math
import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    DEFAULT_SECRET_KEY,
    EMAIL_BACKEND,
    LOG_LEVEL,
    SENTRY_DSN,
    env_bool,
    logging_config,
    sentry_init,
)

if env_bool("DEBUG", False):
    raise ImproperlyConfigured("DEBUG must be off in production (unset DEBUG).")
DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "")


def _entropy_bits(text: str) -> float:
    """Shannon entropy of the key's own characters times its length: 'a'*60 has none."""
    counts = [text.count(c) for c in set(text)]
    return -sum(n * math.log2(n / len(text)) for n in counts) if text else 0.0


def _patterned(text: str) -> bool:
    """Repeated (an 8-character run seen twice) or sequential (abcd..., 0123...) text."""
    runs = [text[i : i + 8] for i in range(len(text) - 7)]
    steps = sum(abs(ord(b) - ord(a)) == 1 for a, b in zip(text, text[1:], strict=False))
    return len(set(runs)) < len(runs) or steps * 3 > len(text)


# A random key of 50+ characters: 32 random bytes in hex (about 250 bits by this measure),
# token_urlsafe, or Django's get_random_secret_key all pass; repeated or sequential text does not.
MIN_SECRET_KEY_BITS = 200
if (
    not SECRET_KEY
    or SECRET_KEY == DEFAULT_SECRET_KEY
    or len(SECRET_KEY) < 50
    or "insecure" in SECRET_KEY.lower()
    or len(set(SECRET_KEY)) < 10
    or _entropy_bits(SECRET_KEY) < MIN_SECRET_KEY_BITS
    or _patterned(SECRET_KEY)
):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production "
        "(not repeated or sequential text, no 'django-insecure' prefix); make one with "
        'python -c "import secrets; print(secrets.token_urlsafe(64))".'
    )
if "console" in EMAIL_BACKEND.lower() and not env_bool("EMAIL_CONSOLE_ALLOWED", False):
    raise ImproperlyConfigured(
        "EMAIL_BACKEND is the console e-mail backend: invitation and password-reset links would "
        "be printed to the web log. Set EMAIL_BACKEND (e.g. "
        "django.core.mail.backends.smtp.EmailBackend), or EMAIL_CONSOLE_ALLOWED=1 for a trial."
    )
if "DATABASE_URL" not in os.environ:
    raise ImproperlyConfigured("DATABASE_URL must be set in production.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Health probes come over plain HTTP from inside the host; they are answered before the redirect
# anyway (core.health), this keeps /metrics scrapable the same way.
SECURE_REDIRECT_EXEMPT = [r"^metrics$"]

LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
SENTRY_ENABLED = sentry_init(SENTRY_DSN)
