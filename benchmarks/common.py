"""What every benchmark shares: Django set-up on PostgreSQL, a figure row, peak-RSS measurement."""

from __future__ import annotations

import os
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


RSS_WRAPPER = """
import atexit, os, resource, runpy, sys
def _report():
    with open(os.environ["BENCH_RSS_FILE"], "w") as out:
        out.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
atexit.register(_report)
if sys.argv[1] == "-c":
    code, sys.argv = sys.argv[2], ["-c", *sys.argv[3:]]
    exec(compile(code, "<bench child>", "exec"), {"__name__": "__main__"})
else:
    sys.argv = sys.argv[1:]
    sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0])))  # as `python script` does
    runpy.run_path(sys.argv[0], run_name="__main__")
"""


def peak_rss_mb_of(argv: list[str], env: dict | None = None) -> tuple[float, str]:
    """Run `argv` (a script path and its arguments, or "-c", code, arguments) in a fresh child
    process; return that process's own peak RSS in MB and its standard output.

    The child reports `getrusage(RUSAGE_SELF).ru_maxrss` as it exits, so the figure is the peak of
    the process that did the work. (`RUSAGE_CHILDREN` of the parent is the largest child so far:
    a small job run after a big one would inherit the big one's peak.)
    """
    import tempfile

    with tempfile.NamedTemporaryFile(prefix="bench-rss-", suffix=".txt", delete=False) as f:
        rss_file = f.name
    child_env = dict(env or os.environ, BENCH_RSS_FILE=rss_file)
    code = ["-c", RSS_WRAPPER, *argv]
    try:
        proc = subprocess.run(
            [sys.executable, *code],
            env=child_env,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{argv[:1]} failed:\n{proc.stdout}\n{proc.stderr}")
        with open(rss_file) as f:
            kb = int(f.read().strip())
    finally:
        os.unlink(rss_file)
    return kb / 1024, proc.stdout


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
            floor = f"{_num(f.floor_value)} {f.unit} ({f.floor_name})" if f.floor_value else "-"
            ratio = f"{f.ratio:.2f}" if f.ratio is not None else "-"
            ok = {True: "yes", False: "NO", None: "-"}[f.ok]
            rows.append(
                (f.benchmark, f.figure, f"{_num(f.value)} {f.unit}", floor, ratio, f.target, ok)
            )
        widths = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
        lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)


def _num(value: float) -> str:
    """Three significant digits for small values, thousands separators for large ones."""
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}" if value else "0"
    return f"{value:.3g}"
