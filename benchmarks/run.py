"""`make bench`: runs every benchmarks/bench_*.py against PostgreSQL and prints one table.

Each module exposes `run(rows: int) -> list[Figure]`; every figure stands beside a floor measured
in the same run (e.g. PostgreSQL COPY), as a ratio, so the table means the same on any machine.
BENCH_ROWS scales every benchmark down for a quick run; BENCH_ONLY=name runs one module.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from common import Figure, setup_django  # noqa: E402


def main() -> int:
    rows = int(os.environ.get("BENCH_ROWS", "1000000"))
    only = os.environ.get("BENCH_ONLY")
    setup_django()
    figures: list[Figure] = []
    failed = False
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if only and name not in only.split(","):
            continue
        print(f"== {name} (rows={rows:,})", flush=True)
        started = time.monotonic()
        try:
            module = importlib.import_module(path.stem)
            figures.extend(module.run(rows))
        except Exception:
            failed = True
            traceback.print_exc()
        print(f"   {name} took {time.monotonic() - started:.1f} s", flush=True)
    print()
    print(_machine(rows))
    print(Figure.table(figures))
    missed = [f for f in figures if f.ok is False]
    if missed:
        print(f"\n{len(missed)} figure(s) missed their target.")
    return 1 if failed else 0


def _machine(rows: int) -> str:
    """Where and when the figures were taken, printed above the table."""
    import datetime as dt
    import platform

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {platform.node()}; {os.cpu_count()} cores; "
        f"load {load}; PostgreSQL {server}; BENCH_ROWS={rows:,}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
