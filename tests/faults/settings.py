"""Test settings with production's database connection policy, for a web server subprocess.

The test settings close the connection after every request; production keeps it for
DB_CONN_MAX_AGE seconds and checks it before reuse. A restart of PostgreSQL is only a real test of
the second, so the server in tests/faults/test_database_restart.py runs with it.
"""

from config.settings import base as _production
from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = _production.DATABASES["default"]["CONN_MAX_AGE"]
DATABASES["default"]["CONN_HEALTH_CHECKS"] = _production.DATABASES["default"]["CONN_HEALTH_CHECKS"]
