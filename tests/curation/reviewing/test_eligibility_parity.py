"""Every door of a pull decides alike: the prepared one-statement fast path and the general
path on PostgreSQL, and the general path on SQLite (the demo), for every eligibility case.

The rules are written once (`curation.reviewing.eligibility`) and rendered as SQL and as ORM
queries; this test is what notices when one rendering drifts from the other.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.curation.reviewing.scenarios import CASES, run

NOT_ALLOWED = ["refused", "not_allowed", 403]
# What each case must decide (a prefix of the decision: refusals are checked by code and
# status here, and by their whole message across the doors).
EXPECTED = {
    "eligible": ["lease", "almost", False],
    "inactive user": NOT_ALLOWED,
    "unverified": NOT_ALLOWED,
    "licence rejected": NOT_ALLOWED,
    "invited, not yet active": NOT_ALLOWED,
    "suspended": [
        *NOT_ALLOWED,
        "Your account is suspended, so you cannot review samples. Reason: Audit",
    ],
    "model grader": NOT_ALLOWED,
    "no physician profile": NOT_ALLOWED,
    "archived cohort": NOT_ALLOWED,
    "archived cohort, live second cohort": ["lease", "almost", False],
    "not a member": NOT_ALLOWED,
    "paused project": ["refused", "project_paused", 409],
    "archived project": NOT_ALLOWED,
    "draft project": NOT_ALLOWED,
    "specialty mismatch": ["nothing"],
    "neurologist gets neurology first": ["lease", "neuro", False],
    "specialty matching off": ["lease", "neuro", False],
    "daily cap reached": ["refused", "cap_reached", 409],
    "daily cap not reached": ["lease", "almost", False],
    "project cap reached": ["refused", "cap_reached", 409],
    "live lease held (resume)": ["lease", "fresh", True],
    "stale lease held (renew)": ["lease", "general", True],
    "already reviewed": ["lease", "fresh", False],
    "already skipped": ["lease", "fresh", False],
    "already expired": ["lease", "fresh", False],
    "quarantined sample": ["lease", "fresh", False],
    "every slot taken": ["nothing"],
    "samples no longer open": ["nothing"],
    "gold item": ["lease", "gold #1 of 4", False],
    "gold item already seen": ["lease", "gold #1 of 1", False],
    "every gold item seen: a regular sample": ["lease", "almost", False],
}


RUN_ON_SQLITE = (
    "import django; django.setup(); from tests.curation.reviewing.scenarios import main; main()"
)


@pytest.fixture(scope="module")
def on_sqlite(tmp_path_factory) -> dict:
    """Every case's decision through the general path on a fresh SQLite database."""
    where = tmp_path_factory.mktemp("sqlite-parity")
    env = {
        **os.environ,
        "DATABASE_URL": "sqlite://:memory:",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "ROUNDS_VAR_DIR": str(where),
        "DEBUG": "0",
    }
    done = subprocess.run(
        [sys.executable, "-c", RUN_ON_SQLITE],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_case_has_an_expected_decision():
    assert set(EXPECTED) == set(CASES)


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(CASES))
def test_every_door_decides_alike(case, on_sqlite):
    general = run(case, "general")
    assert general[: len(EXPECTED[case])] == EXPECTED[case]
    assert run(case, "service") == general, "the service on PostgreSQL (fast path first)"
    assert on_sqlite[case] == general, "the general path on SQLite"
    fast = run(case, "fast")
    _, fast_must_take_it = CASES[case]
    if fast_must_take_it:
        assert fast == general, "the prepared fast path"
    else:
        assert fast in (["general path decides"], general), "the prepared fast path"
