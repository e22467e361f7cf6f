"""Local development and the demo: SQLite and a filesystem broker unless told otherwise."""

import os
from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, env_bool

DEBUG = env_bool("DEBUG", True)
# Django's technical 404 and 500 pages (URL list, traceback) instead of the product's: opt in.
TECHNICAL_ERROR_PAGES = env_bool("TECHNICAL_ERROR_PAGES", False)

# ROUNDS_VAR_DIR moves everything the demo writes (scripts/demo.py sets it).
_broker_dir = Path(os.environ.get("ROUNDS_VAR_DIR", BASE_DIR / "var")) / "broker"
if "CELERY_BROKER_URL" not in os.environ:
    # kombu's filesystem transport: a real broker that needs no server process.
    for sub in ("out", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
