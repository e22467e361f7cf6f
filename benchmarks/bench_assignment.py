"""Assignment under load, on a project of BENCH_ROWS samples (1,000,000 by default), k = 3.

(a) capacity: 200 clients (physicians) pull the next sample in a tight loop through
    `assignment_next`, beside the best raw locking statement issued through psycopg in the same
    run (one CTE: pick with FOR UPDATE SKIP LOCKED, conditional decrement, insert the lease).
    Each pulled lease is then closed with the same one-row UPDATE in both loops, as a submit
    would, so every client keeps pulling new samples. Figures: assignments/s and their ratio
    (target >= 0.5), and samples over k afterwards (target 0). The clients share a fixed set of
    database connections (threads in a few processes), as behind a connection pool: the
    database allows only so many connections, and a 2-core machine cannot run more at once.
    The two loops run in alternating rounds (BENCH_ROUNDS, default 2), each after a vacuum
    and a checkpoint.
(b) latency: 1,000 simulated physicians against gunicorn started with the production settings
    and the production gunicorn configuration, each asking for the next sample and submitting
    about every 30 s (exponential think times), through the REST API with API tokens, from one
    asyncio load generator (`http_load.py`). Figures: p99 of "next" (< 50 ms) and of "submit"
    (< 100 ms), beside the p99 of a trivial request to the same server, and the generator's own
    lateness. Before each phase the tables are vacuumed and analysed, as autovacuum would in
    production, and checkpointed, so no phase pays for the writes of the one before.

Environment: BENCH_ASSIGN_SECONDS (capacity time per side, default 20), BENCH_LATENCY_SECONDS
(default 60), BENCH_CLIENTS (200), BENCH_PHYSICIANS (1000), BENCH_CONNECTIONS (connection
budget, default 40, capped by what the server has free), WEB_WORKERS (gunicorn workers; default
(2 x cores) + 1, as in production).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import queue
import secrets
import signal
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import Figure, dsn
from http_load import Load, p99_ms, percentile_ms, start_gunicorn

ROOT = Path(__file__).resolve().parent.parent
SLUG = "bench-assignment"
K = 3
GRADES = {"accurate": True, "completeness": 4, "urgency": "routine"}


QUESTION = (
    "I am 58 and have had pressure in my chest for twenty minutes after climbing the stairs. "
) * 4
REASONING = (
    "Exertional chest pressure in a man of 58 is acute coronary syndrome until shown otherwise; "
    "pulmonary embolism, aortic dissection and pericarditis are the other dangerous causes. "
) * 11
ANSWER = (
    "Call emergency services now. Chew an aspirin if you are not allergic, sit down, and do not "
    "drive yourself. Chest pressure on exertion can be a heart attack. "
) * 10


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


# --- set-up -----------------------------------------------------------------------------------


def _reset(conn) -> None:
    """Remove an earlier run's project (SQL, so a million samples go quickly)."""
    row = conn.execute("SELECT id FROM curation_project WHERE slug = %s", [SLUG]).fetchone()
    if row is None:
        return
    pid = row[0]
    conn.execute(
        "DELETE FROM curation_reviewrevision WHERE review_id IN "
        "(SELECT id FROM curation_review WHERE project_id = %s)",
        [pid],
    )
    conn.execute(
        "DELETE FROM curation_reviewdraft WHERE assignment_id IN "
        "(SELECT id FROM curation_assignment WHERE project_id = %s)",
        [pid],
    )
    for table in ("curation_review", "curation_assignment", "curation_sample"):
        conn.execute(f"DELETE FROM {table} WHERE project_id = %s", [pid])  # noqa: S608
    conn.execute("DELETE FROM curation_project_cohorts WHERE project_id = %s", [pid])
    conn.execute("DELETE FROM curation_project_admins WHERE project_id = %s", [pid])
    conn.execute("DELETE FROM curation_project WHERE id = %s", [pid])


def _physicians(n: int) -> list[tuple[int, str]]:
    """n verified cardiologists in the bench cohort, each with an API token: (user id, key)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from annotators.models import Cohort, CohortMembership, Physician, Specialty
    from core.models import ApiToken
    from core.tokens import PREFIX, hash_key

    user_model = get_user_model()
    cohort, _ = Cohort.objects.get_or_create(slug="bench-cohort", defaults={"name": "Bench"})
    cardiology = Specialty.objects.get(code="cardiology")
    admin, _ = user_model.objects.get_or_create(
        username="bench-admin@rounds.test", defaults={"is_staff": True}
    )
    names = [f"bench-{i:05d}@rounds.test" for i in range(n)]
    existing = set(user_model.objects.filter(username__in=names).values_list("username", flat=True))
    user_model.objects.bulk_create(
        [user_model(username=u, email=u) for u in names if u not in existing], batch_size=1000
    )
    users = list(user_model.objects.filter(username__in=names).order_by("username"))
    have = set(Physician.objects.filter(user__in=users).values_list("user_id", flat=True))
    now = timezone.now()
    Physician.objects.bulk_create(
        [
            Physician(
                user=u,
                # One in ten has a daily cap, so the pull checks caps; high enough not to bind.
                daily_cap=500 if i % 10 == 0 else None,
                status=Physician.Status.ACTIVE,
                verification=Physician.Verification.VERIFIED,
                verified_by=admin,
                verified_at=now,
            )
            for i, u in enumerate(users)
            if u.pk not in have
        ],
        batch_size=1000,
    )
    physicians = list(Physician.objects.filter(user__in=users))
    Physician.specialties.through.objects.bulk_create(
        [
            Physician.specialties.through(physician_id=p.pk, specialty_id=cardiology.pk)
            for p in physicians
        ],
        ignore_conflicts=True,
    )
    CohortMembership.objects.bulk_create(
        [CohortMembership(cohort=cohort, physician=p) for p in physicians], ignore_conflicts=True
    )
    Physician.objects.filter(pk__in=[p.pk for p in physicians]).update(daily_cap=None)
    ApiToken.objects.filter(user__in=users, name="bench").delete()
    keys = [PREFIX + secrets.token_urlsafe(24) for _ in users]
    ApiToken.objects.bulk_create(
        [
            ApiToken(user=u, name="bench", prefix=key[:12], key_hash=hash_key(key))
            for u, key in zip(users, keys, strict=True)
        ]
    )
    return [(u.pk, key) for u, key in zip(users, keys, strict=True)]


def _project(rows: int):
    """A fresh project with `rows` samples, inserted with COPY."""
    import psycopg

    from annotators.models import Cohort, Specialty
    from curation.models import Criterion, Project, Rubric

    with psycopg.connect(dsn(), autocommit=True) as conn:
        _reset(conn)
    rubric, created = Rubric.objects.get_or_create(
        family="bench-rubric", version=1, defaults={"name": "Bench rubric"}
    )
    if created:
        Criterion.objects.create(
            rubric=rubric, position=0, key="accurate", label="Accurate", kind="binary"
        )
        Criterion.objects.create(
            rubric=rubric,
            position=1,
            key="completeness",
            label="Completeness",
            kind="ordinal",
            min_value=1,
            max_value=5,
        )
        Criterion.objects.create(
            rubric=rubric,
            position=2,
            key="urgency",
            label="Urgency",
            kind="nominal",
            choices=["emergent", "urgent", "routine"],
        )
    project = Project.objects.create(
        slug=SLUG, name="Assignment benchmark", rubric=rubric, overlap=K, lease_minutes=30
    )
    project.cohorts.set([Cohort.objects.get(slug="bench-cohort")])
    cardiology = Specialty.objects.get(code="cardiology").pk
    columns = (
        "project_id, external_id, messages, reasoning, answer, images, specialty_id, metadata, "
        "content_hash, status, slots_open, reviews_done, is_gold, quarantined, "
        "quarantine_reasons, final_verdict, final_answer, final_source, created_at, updated_at"
    )
    started = time.monotonic()
    with psycopg.connect(dsn()) as conn:
        with conn.cursor().copy(f"COPY curation_sample ({columns}) FROM STDIN") as copy:
            for i in range(rows):
                # About 4 KB a sample, as real ones: question ~400 B, reasoning ~2 KB, answer
                # ~1.6 KB; the pull returns all of it.
                text = f"Chest pain question {i}: " + QUESTION
                messages = json.dumps([{"role": "user", "content": text}])
                digest = hashlib.sha256(text.encode()).hexdigest()
                copy.write_row(
                    (
                        project.pk,
                        f"b-{i:07d}",
                        messages,
                        REASONING,
                        ANSWER,
                        "[]",
                        cardiology,
                        "{}",
                        digest,
                        "open",
                        K,
                        0,
                        False,
                        False,
                        "[]",
                        "",
                        "",
                        "",
                        "now",
                        "now",
                    )
                )
        conn.execute("ANALYZE curation_sample")
        conn.execute("ANALYZE curation_assignment")
        conn.commit()
    print(f"   {rows:,} samples copied in {time.monotonic() - started:.1f} s", flush=True)
    return project


def _vacuum() -> None:
    """Vacuum and fresh planner statistics before each phase, as autovacuum keeps them in
    production (a test database may run with autovacuum off). A phase adds tens of thousands of
    assignments and leaves as many dead versions of sample rows at the head of the queue index;
    without this, each phase would pay for the one before it, and whichever ran second would
    lose. On statistics taken when there were no assignments, the planner would also read them
    all to find one by key."""
    import psycopg

    with psycopg.connect(dsn(), autocommit=True) as conn:
        for table in (
            "curation_sample",
            "curation_assignment",
            "curation_review",
            "core_auditevent",
        ):
            conn.execute(f"VACUUM (ANALYZE) {table}")
    _checkpoint()


def _checkpoint() -> None:
    """Write out what the set-up and the last phase dirtied (a million copied samples, the
    vacuums) before timing the next: otherwise a checkpoint forced by that write volume lands
    in the phase, and its figures measure the set-up's disk writes, not the engine."""
    import psycopg

    with psycopg.connect(dsn(), autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def _connection_budget(wanted: int) -> int:
    import psycopg

    with psycopg.connect(dsn(), autocommit=True) as conn:
        limit = conn.execute("SHOW max_connections").fetchone()[0]
        used = conn.execute("SELECT count(*) FROM pg_stat_activity").fetchone()[0]
    return max(4, min(wanted, int(limit) - int(used) - 15))


# --- (a) capacity -----------------------------------------------------------------------------

# psycopg prepares a statement run five times on a connection; `OFFSET 0` keeps the check a
# per-candidate index lookup in the generic plan PostgreSQL then adopts (as in the service).
RAW_PICK = """
WITH pick AS (
    SELECT s.id FROM curation_sample s
    WHERE s.project_id = %(project)s AND s.slots_open > 0 AND NOT s.quarantined
      AND s.status = 'open' AND NOT s.is_gold
      AND NOT EXISTS (SELECT 1 FROM curation_assignment a
                      WHERE a.sample_id = s.id AND a.reviewer_id = %(user)s OFFSET 0)
    ORDER BY s.slots_open, s.id
    LIMIT 1
    FOR UPDATE OF s SKIP LOCKED
), taken AS (
    UPDATE curation_sample s SET slots_open = s.slots_open - 1
    FROM pick WHERE s.id = pick.id AND s.slots_open > 0
    RETURNING s.id
)
INSERT INTO curation_assignment
    (project_id, sample_id, reviewer_id, status, served_at, expires_at, skip_reason, skip_note)
SELECT %(project)s, taken.id, %(user)s, 'leased', now(), now() + interval '30 minutes', '', ''
FROM taken
RETURNING id
"""
CLOSE = "UPDATE curation_assignment SET status = 'submitted', completed_at = now() WHERE id = %s"


def _capacity_worker(mode, project_id, users, threads, seconds, start_at, out):
    """One process: `threads` connections serving its share of the clients round-robin."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from curation.models import Project

    clients: queue.SimpleQueue = queue.SimpleQueue()
    if mode == "service":
        project = Project.objects.get(pk=project_id)
        for user in get_user_model().objects.filter(pk__in=users):
            clients.put(user)
        connection.close()
    else:
        for user_id in users:
            clients.put(user_id)
    counts, latencies, errors = [], [], []
    lock = threading.Lock()

    def loop() -> None:
        done = 0
        mine: list[float] = []
        if mode == "raw":
            import psycopg

            raw = psycopg.connect(dsn(), autocommit=True)
        while time.time() < start_at:
            time.sleep(0.005)
        deadline = start_at + seconds
        try:
            while time.time() < deadline:
                client = clients.get()
                t0 = time.perf_counter()
                try:
                    if mode == "service":
                        from curation.reviewing.assignment import assignment_next

                        lease = assignment_next(user=client, project=project)
                        if lease is not None:
                            with connection.cursor() as cursor:
                                cursor.execute(CLOSE, [lease.assignment.pk])
                            done += 1
                    else:
                        row = raw.execute(RAW_PICK, {"project": project_id, "user": client})
                        got = row.fetchone()
                        if got is not None:
                            raw.execute(CLOSE, [got[0]])
                            done += 1
                except Exception as exc:  # counted and shown, never hidden
                    with lock:
                        errors.append(repr(exc)[:200])
                finally:
                    clients.put(client)
                mine.append(time.perf_counter() - t0)
        finally:
            if mode == "raw":
                raw.close()
            else:
                connection.close()
        with lock:
            counts.append(done)
            latencies.extend(mine)

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    latencies.sort()
    out.put((sum(counts), latencies[:: max(1, len(latencies) // 2000)], errors[:5]))


def _capacity(mode: str, project_id: int, users: list[int], connections: int, seconds: float):
    """One phase of `seconds`: (assignments made, a sample of per-pull latencies in seconds)."""
    from django.db import connections as django_connections

    processes = min(4, connections)
    per = [connections // processes + (i < connections % processes) for i in range(processes)]
    django_connections.close_all()
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    start_at = time.time() + 3.0
    shares = [users[i::processes] for i in range(processes)]
    procs = [
        ctx.Process(
            target=_capacity_worker,
            args=(mode, project_id, shares[i], per[i], seconds, start_at, out),
        )
        for i in range(processes)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    total = sum(r[0] for r in results)
    latencies = sorted(x for r in results for x in r[1])
    errors = [e for r in results for e in r[2]]
    if errors:
        print(f"   {mode}: errors, e.g. {errors[:3]}", flush=True)
    print(f"   {mode}: {total:,} assignments in {seconds:.0f} s", flush=True)
    return total, latencies


def _p99(latencies: list[float]) -> float:
    latencies = sorted(latencies)
    return latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else float("nan")


def _capacity_rounds(project_id: int, users: list[int], connections: int, seconds: float):
    """Raw and service in alternating rounds, each after a vacuum, so neither side gets the
    fresher table or the quieter minute: {mode: (assignments/s, p99 ms)}."""
    rounds = max(1, env_int("BENCH_ROUNDS", 2))
    made = {"raw": 0, "service": 0}
    latencies: dict[str, list[float]] = {"raw": [], "service": []}
    for _ in range(rounds):
        for mode in ("raw", "service"):
            _vacuum()
            total, sample = _capacity(mode, project_id, users, connections, seconds / rounds)
            made[mode] += total
            latencies[mode].extend(sample)
    return {mode: (made[mode] / seconds, _p99(latencies[mode])) for mode in made}


def _over_assigned(project_id: int) -> tuple[int, int]:
    """(samples with more than k leases+reviews, samples whose slots_open disagrees)."""
    import psycopg

    with psycopg.connect(dsn(), autocommit=True) as conn:
        over, wrong = conn.execute(
            """
            SELECT count(*) FILTER (WHERE held > %(k)s),
                   count(*) FILTER (WHERE slots_open <> %(k)s - held)
            FROM (SELECT s.id, s.slots_open, count(a.id) AS held
                  FROM curation_sample s JOIN curation_assignment a ON a.sample_id = s.id
                  WHERE s.project_id = %(p)s AND a.status IN ('leased', 'submitted')
                  GROUP BY s.id, s.slots_open) t
            """,
            {"k": K, "p": project_id},
        ).fetchone()
        dupes = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM curation_assignment WHERE project_id = %s "
            "GROUP BY sample_id, reviewer_id HAVING count(*) > 1) d",
            [project_id],
        ).fetchone()[0]
    return over + dupes, wrong


def _cursor():
    from django.db import connection

    return connection.cursor()


# --- (b) latency over HTTP --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the run ----------------------------------------------------------------------------------


def run(rows: int) -> list[Figure]:
    clients = env_int("BENCH_CLIENTS", 200)
    population = env_int("BENCH_PHYSICIANS", 1000)
    seconds = env_float("BENCH_ASSIGN_SECONDS", 20)
    latency_seconds = env_float("BENCH_LATENCY_SECONDS", 600)
    connections = _connection_budget(env_int("BENCH_CONNECTIONS", 40))
    django_connection_cursor = _cursor

    physicians = _physicians(max(clients, population))
    project = _project(rows)
    users = [user_id for user_id, _ in physicians[:clients]]
    print(f"   {clients} clients over {connections} connections, {seconds:.0f} s each", flush=True)

    capacity = _capacity_rounds(project.pk, users, connections, seconds)
    (raw_rate, raw_p99), (service_rate, service_p99) = capacity["raw"], capacity["service"]
    over, wrong = _over_assigned(project.pk)
    # The latency run follows straight on, as production runs: no VACUUM, no CHECKPOINT staged
    # before it; autovacuum does what it does (its setting is printed: on in production).
    with django_connection_cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]

    from django.db import connections as django_connections

    django_connections.close_all()
    port = _free_port()
    with tempfile.TemporaryFile("w+") as log:
        server = start_gunicorn(port, dsn().replace("postgresql://", "postgres://"), log)
        try:
            keys = [key for _, key in physicians[:population]]
            load = Load(port, SLUG, keys, latency_seconds, think=30.0).run()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
            log.seek(0)
            errors = [line for line in log if "ERROR" in line or "Traceback" in line]
    if errors:
        print(f"   server errors logged, e.g. {errors[:3]}", flush=True)
    over_after, wrong_after = _over_assigned(project.pk)
    results, statuses = load.results, load.statuses
    print(f"   HTTP statuses: {statuses}; autovacuum {autovacuum}", flush=True)
    pct = {k: {q: percentile_ms(results[k], q) for q in (50, 99, 99.9)} for k in results}
    p99_next, p99_submit, p99_floor = (pct[k][99] for k in ("next", "submit", "floor"))
    late = p99_ms(load.lateness)
    # Every answer that is not a 2xx is a failure, a fast 4xx as much as a 500 or a timeout.
    bad = sum(n for a in ("next", "submit") for s, n in statuses[a].items() if not 200 <= s < 300)
    print(
        f"   {len(results['next'])} next, {len(results['submit'])} submit, "
        f"{len(results['floor'])} floor requests; {bad} non-2xx or failed; "
        f"percentiles (ms) {json.dumps(pct)}; load generator late by {late:.1f} ms at p99",
        flush=True,
    )
    name = "assignment"
    return [
        Figure(
            name,
            f"capacity, {clients} clients",
            service_rate,
            "assign/s",
            "raw SQL",
            raw_rate,
            ">= 0.5x",
            service_rate >= 0.5 * raw_rate,
        ),
        Figure(name, "capacity p99 per pull", service_p99, "ms", "raw SQL", raw_p99),
        Figure(name, "samples over k (+ dup leases)", over, "samples", target="0", ok=over == 0),
        Figure(name, "slot counter disagreeing", wrong, "samples", target="0", ok=wrong == 0),
        Figure(
            name,
            f"p99 next, {population} physicians",
            p99_next,
            "ms",
            "trivial GET",
            p99_floor,
            "< 50 ms",
            p99_next < 50,
        ),
        Figure(
            name,
            "p99 submit",
            p99_submit,
            "ms",
            "trivial GET",
            p99_floor,
            "< 100 ms",
            p99_submit < 100,
        ),
        Figure(
            name,
            "p99.9 next",
            pct["next"][99.9],
            "ms",
            "trivial GET",
            pct["floor"][99.9],
            "< 150 ms",
            pct["next"][99.9] < 150,
        ),
        Figure(name, "p50 next", pct["next"][50], "ms", "trivial GET", pct["floor"][50]),
        Figure(name, "p99.9 submit", pct["submit"][99.9], "ms", "trivial GET", pct["floor"][99.9]),
        Figure(name, "HTTP non-2xx or no answer", bad, "responses", target="0", ok=bad == 0),
        Figure(
            name,
            f"samples over k after the latency run (autovacuum {autovacuum})",
            over_after,
            "samples",
            target="0",
            ok=over_after == 0,
        ),
        Figure(
            name,
            "slot counter disagreeing after the latency run",
            wrong_after,
            "samples",
            target="0",
            ok=wrong_after == 0,
        ),
        Figure(name, "load generator lateness p99", late, "ms"),
    ]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from common import setup_django

    setup_django()
    print(Figure.table(run(int(os.environ.get("BENCH_ROWS", "1000000")))))
