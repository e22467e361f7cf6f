"""Exports built while fuzzing go to a folder of their own; a summary of the cases sent."""

from __future__ import annotations

from collections import Counter

import pytest

CASES: Counter = Counter()
OPERATIONS: set[tuple[str, str]] = set()


@pytest.fixture(autouse=True)
def _own_storage(storage_root):
    """Exports built while fuzzing go to a folder of their own."""
    return storage_root


def pytest_terminal_summary(terminalreporter):
    if not CASES:
        return
    roles = ", ".join(f"{role} {count}" for role, count in sorted(CASES.items()))
    operations = len({name for name, _ in OPERATIONS})
    terminalreporter.write_line(
        f"schemathesis: {operations} operations, {sum(CASES.values())} cases sent ({roles})"
    )
