"""Fault tests commit their data: a worker subprocess or a web server subprocess reads it."""

from __future__ import annotations

from tests.faults.broker import private_broker  # noqa: F401
