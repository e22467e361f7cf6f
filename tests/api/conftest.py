"""Exports built while fuzzing go to a folder of their own; a summary of the cases sent."""

from __future__ import annotations

from collections import Counter

import pytest

CASES: Counter = Counter()
OPERATIONS: set[tuple[str, str]] = set()


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    root = tmp_path / "storage"
    root.mkdir()
    settings.STORAGE_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


def pytest_terminal_summary(terminalreporter):
    if not CASES:
        return
    roles = ", ".join(f"{role} {count}" for role, count in sorted(CASES.items()))
    operations = len({name for name, _ in OPERATIONS})
    terminalreporter.write_line(
        f"schemathesis: {operations} operations, {sum(CASES.values())} cases sent ({roles})"
    )
