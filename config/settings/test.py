"""Tests run against a real PostgreSQL and a real Redis broker."""

import os

from .base import *  # noqa: F403

DATABASES = {
    "default": dj_database_url.parse(  # noqa: F405
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rounds"),
        conn_max_age=0,
    )
}
prepared_statements(DATABASES["default"])  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGE_ROOT = Path(os.environ.get("STORAGE_ROOT", BASE_DIR / "var" / "test-storage"))  # noqa: F405
STORAGES["default"] = default_storage_config(STORAGE_BACKEND, STORAGE_ROOT)  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {  # noqa: F405
    "token": "1000000/hour",
    "anon": "1000000/hour",
}
SECRET_KEY = "test-secret-key-not-for-production"

# Parallel test processes (pytest-xdist) each get their own Redis database, as they each get
# their own PostgreSQL test database, so one worker's flush never eats another's tasks. Celery
# reads CELERY_BROKER_URL from the environment before its settings, so that is moved too; the
# unmoved URL is kept so a subprocess of this worker lands on the same database.
_xdist = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist.startswith("gw") and CELERY_BROKER_URL.startswith("redis://"):  # noqa: F405
    _base_url = os.environ.setdefault("ROUNDS_TEST_BROKER_BASE", CELERY_BROKER_URL)  # noqa: F405
    _base, _, _db = _base_url.rpartition("/")
    _index = (int(_db) if _db.isdigit() else 0) + 1 + int(_xdist[2:])
    CELERY_BROKER_URL = f"{_base}/{_index % 16}"
    os.environ["CELERY_BROKER_URL"] = CELERY_BROKER_URL
