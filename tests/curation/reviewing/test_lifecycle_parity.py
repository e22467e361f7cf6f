"""Each hand-written lifecycle transition and its ORM twin leave the same rows behind.

PostgreSQL runs the SQL form; SQLite (the demo) runs the ORM form. Every case (see
`lifecycle_cases.py`: counting a review in each status, settling every kind of consensus,
revoking leases of regular and gold samples) is run both ways from the same rows, and on both
databases: the ORM twin here on PostgreSQL, and in a subprocess on SQLite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction

from curation.reviewing import lifecycle
from curation.reviewing.assignment import assignment_next
from tests.curation.reviewing.lifecycle_cases import CASES, NOW, snapshot
from tests.factories import SampleFactory

pytestmark = pytest.mark.django_db


def _run(build, form: str) -> dict:
    """One form of a case from fresh rows; everything it wrote is rolled back after."""
    point = transaction.savepoint()
    before = None
    try:
        forms = build()
        before = snapshot()
        result = forms[form]()
        after = snapshot()
    finally:
        transaction.savepoint_rollback(point)
    assert after != before, "the case must exercise the transition"
    return json.loads(json.dumps({"result": result, "rows": after}, default=str))


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_sql_form_and_its_orm_twin_leave_the_same_rows(name):
    assert _run(CASES[name], "sql") == _run(CASES[name], "orm")


def test_settling_decides_every_kind_of_consensus():
    outcome = _run(CASES["settle"], "sql")
    assert outcome["result"] == [5, 1]  # settled, sent to adjudication
    rows = outcome["rows"]["samples"]
    assert rows["revise"][6] == "Better answer for revise."
    assert rows["revise-no-review"][6] == ""
    assert rows["unsure"][0] == "adjudication"
    assert rows["too-few"][0] == rows["held-back"][0] == "complete"


def test_a_lease_taken_through_the_queue_is_revoked_alike(project, cardiologist):
    SampleFactory(project=project)
    lease = assignment_next(user=cardiologist.user, project=project).assignment

    def build():
        ids = [lease.sample_id]
        return {
            "sql": lambda: lifecycle._revoke_sql(sample_ids=ids, now=NOW),
            "orm": lambda: lifecycle._revoke_orm(sample_ids=ids, now=NOW),
        }

    assert _run(build, "sql") == _run(build, "orm")


def test_sqlite_runs_the_orm_twins_to_the_rows_postgres_writes_in_sql(tmp_path):
    """The ORM twins on SQLite (a subprocess with its own database) against the SQL forms here."""
    if connection.vendor != "postgresql":
        pytest.skip("compares with the SQL forms, which run on PostgreSQL")
    out = tmp_path / "orm.json"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'parity.sqlite3'}",
        "LIFECYCLE_PARITY_OUT": str(out),
    }
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-q"]
        + ["tests/curation/reviewing/sqlite_twins.py"],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    orm = json.loads(out.read_text())
    for name, build in CASES.items():
        assert _run(build, "sql") == orm[name], name
