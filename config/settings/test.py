"""Tests run against a real PostgreSQL and a real Redis broker."""

import os

from .base import *  # noqa: F403

DATABASES = {
    "default": dj_database_url.parse(  # noqa: F405
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rounds"),
        conn_max_age=0,
    )
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGE_ROOT = Path(os.environ.get("STORAGE_ROOT", BASE_DIR / "var" / "test-storage"))  # noqa: F405
STORAGES["default"]["OPTIONS"] = {"location": str(STORAGE_ROOT)}  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {  # noqa: F405
    "token": "1000000/hour",
    "anon": "1000000/hour",
}
SECRET_KEY = "test-secret-key-not-for-production"
