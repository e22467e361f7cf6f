"""What every benchmark shares: Django set-up on PostgreSQL, a figure row, peak-RSS measurement."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from dataclasses import dataclass


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rounds_bench")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    name = settings.DATABASES["default"]["NAME"]
    import psycopg

    admin_dsn = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_dsn.replace("postgres://", "postgresql://"), autocommit=True) as c:
        exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            c.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    call_command("migrate", verbosity=0)


def dsn() -> str:
    from django.db import connection

    s = connection.settings_dict
    auth = s.get("USER") or "postgres"
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    return f"postgresql://{auth}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def peak_rss_mb_of(argv: list[str], env: dict | None = None) -> tuple[float, str]:
    """Run a child process and return its peak RSS in MB (ru_maxrss of the child) and output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run(
        [sys.executable, *argv],
        env=env or dict(os.environ),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} failed:\n{proc.stdout}\n{proc.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the max over all children; a fresh child per figure keeps it honest.
    return max(after, before) / 1024, proc.stdout


@dataclass
class Figure:
    benchmark: str
    figure: str
    value: float
    unit: str
    floor_name: str = ""
    floor_value: float | None = None
    target: str = ""
    ok: bool | None = None

    @property
    def ratio(self) -> float | None:
        if not self.floor_value:
            return None
        return self.value / self.floor_value

    @staticmethod
    def table(figures: list[Figure]) -> str:
        head = ("benchmark", "figure", "value", "floor", "ratio", "target", "ok")
        rows = [head]
        for f in figures:
            floor = f"{f.floor_value:,.1f} {f.unit} ({f.floor_name})" if f.floor_value else "-"
            ratio = f"{f.ratio:.2f}" if f.ratio is not None else "-"
            ok = {True: "yes", False: "NO", None: "-"}[f.ok]
            rows.append(
                (f.benchmark, f.figure, f"{f.value:,.1f} {f.unit}", floor, ratio, f.target, ok)
            )
        widths = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
        lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)
