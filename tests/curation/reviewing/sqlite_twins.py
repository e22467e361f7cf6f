"""Run by `test_lifecycle_parity` in a subprocess on SQLite: the ORM twins' rows, as JSON."""

from __future__ import annotations

import json
import os

import pytest
from django.db import connection, transaction

from tests.curation.reviewing.lifecycle_cases import CASES, snapshot


@pytest.mark.django_db
def test_write_the_orm_twins_rows():
    assert connection.vendor == "sqlite"
    out = {}
    for name, build in CASES.items():
        point = transaction.savepoint()
        forms = build()
        result = forms["orm"]()
        out[name] = json.loads(json.dumps({"result": result, "rows": snapshot()}, default=str))
        transaction.savepoint_rollback(point)
    with open(os.environ["LIFECYCLE_PARITY_OUT"], "w") as f:
        json.dump(out, f, default=str)
