"""The console's sample browser at scale: p95 of a filtered page, rendered, at `rows` samples.

Samples go in with COPY: one project, three specialties, 70% settled (accept / revise / reject),
2% in or through adjudication, 1% gold, 0.1% quarantined; a few questions carry a rare word. The
page is the view itself (selector, bounded count, template) called in-process as a staff user,
for a set of filters a lab admin uses: none, project + status + verdict, specialty, each flag,
an external id prefix, a rare and a common word of the question, and a deep keyset page. The
floor beside it is the same first page as one hand-written SQL query.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

from common import Figure, dsn

RARE_EVERY = 997
TARGET_MS = 200.0


def _project(rows: int):
    from django.contrib.auth import get_user_model

    from annotators.models import Specialty
    from curation.models import Criterion, Project, Rubric

    rubric, created = Rubric.objects.get_or_create(
        family="bench-browser", version=1, defaults={"name": "Bench"}
    )
    if created:
        Criterion.objects.create(
            rubric=rubric, position=0, key="accurate", label="Accurate", kind="binary"
        )
    project, _ = Project.objects.get_or_create(
        slug=f"bench-browser-{rows}", defaults={"name": f"Bench browser {rows}", "rubric": rubric}
    )
    admin, _ = get_user_model().objects.get_or_create(
        username="bench-browser-admin", defaults={"is_staff": True}
    )
    codes = ["cardiology", "neurology", "internal-medicine"]
    specialties = list(Specialty.objects.filter(code__in=codes).values_list("id", flat=True))
    return project, admin, specialties


def _row(i: int) -> dict:
    kind = i % 100
    if kind < 70:
        verdict = "accept" if i % 10 < 7 else ("revise" if i % 10 < 9 else "reject")
        return {"status": "settled", "final_verdict": verdict, "final_source": "consensus"}
    if kind < 71:
        return {"status": "adjudication", "final_verdict": "", "final_source": ""}
    if kind < 72:
        return {"status": "settled", "final_verdict": "revise", "final_source": "adjudication"}
    return {"status": "open" if kind < 95 else "complete", "final_verdict": "", "final_source": ""}


def _fill(project, specialty_ids: list[int], rows: int) -> None:
    import psycopg
    from psycopg.types.json import Jsonb

    from curation.models import Sample

    have = Sample.objects.filter(project=project).count()
    if have == rows:
        return
    if have:
        raise RuntimeError(f"project {project.slug} holds {have} samples, expected 0 or {rows}")
    now = dt.datetime.now(dt.UTC)
    explicit = {
        "project",
        "external_id",
        "messages",
        "answer",
        "specialty",
        "content_hash",
        "status",
        "final_verdict",
        "final_source",
        "final_grades",
        "is_gold",
        "gold_grades",
        "quarantined",
        "created_at",
        "updated_at",
    }
    fields = [f for f in Sample._meta.concrete_fields if f.name != "id"]
    defaults = {
        f.name: Jsonb(f.get_default()) if f.get_internal_type() == "JSONField" else f.get_default()
        for f in fields
        if f.name not in explicit
    }
    grades = Jsonb({"accurate": True})
    with psycopg.connect(dsn()) as conn, conn.cursor() as cur:
        columns = ", ".join(f.column for f in fields)
        with cur.copy(f"COPY curation_sample ({columns}) FROM STDIN") as copy:
            for i in range(rows):
                state = _row(i)
                rare = " Crushing pain radiating to the jaw." if i % RARE_EVERY == 0 else ""
                settled = state["status"] == "settled"
                gold = settled and i % 100 == 3
                values = {
                    **defaults,
                    **state,
                    "project": project.pk,
                    "external_id": f"b{i:07d}",
                    "messages": Jsonb(
                        [
                            {
                                "role": "user",
                                "content": f"Case {i}: chest pressure after stairs, age "
                                f"{40 + i % 40}. Should I worry?{rare}",
                            }
                        ]
                    ),
                    "answer": "Call emergency services if the pain is crushing.",
                    "specialty": specialty_ids[i % len(specialty_ids)],
                    "content_hash": f"{i:064d}",
                    "final_grades": grades if settled else None,
                    "is_gold": gold,
                    "gold_grades": grades if gold else None,
                    "quarantined": i % 1000 == 7,
                    "created_at": now,
                    "updated_at": now,
                }
                copy.write_row([values[f.name] for f in fields])
        cur.execute("ANALYZE curation_sample")


def _cases(project, rows: int) -> list[tuple[str, dict]]:
    middle = f"b{rows // 2:07d}"[:6]
    return [
        ("first page", {}),
        (
            "project, settled, reject",
            {"project": project.slug, "status": "settled", "verdict": "reject"},
        ),
        ("specialty", {"specialty": "neurology"}),
        ("quarantined", {"quarantined": "yes"}),
        ("gold", {"gold": "yes"}),
        ("disagreement", {"disagreement": "yes"}),
        ("external id prefix", {"q": middle}),
        ("rare word", {"q": "crushing jaw"}),
        ("common word", {"q": "pressure"}),
        ("deep page", {"before": str(rows // 3)}),
    ]


def _floor_ms(project, repeats: int) -> float:
    from django.db import connection

    times = []
    sql = (
        "SELECT id, external_id, messages, status FROM curation_sample "
        "WHERE project_id = %s AND status = 'settled' AND final_verdict = 'reject' "
        "ORDER BY id DESC LIMIT 51"
    )
    with connection.cursor() as cursor:
        for _ in range(repeats):
            started = time.perf_counter()
            cursor.execute(sql, [project.pk])
            cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(rows: int) -> list[Figure]:
    from django.test import RequestFactory

    from console.sample_views import sample_list

    project, admin, specialty_ids = _project(rows)
    started = time.perf_counter()
    _fill(project, specialty_ids, rows)
    print(f"   {rows:,} samples ready in {time.perf_counter() - started:.1f} s", flush=True)
    factory = RequestFactory()
    repeats = 20
    timings: list[float] = []
    for name, params in _cases(project, rows):
        case = []
        for attempt in range(repeats + 2):
            request = factory.get("/console/samples/", params)
            request.user = admin
            began = time.perf_counter()
            response = sample_list(request)
            elapsed = (time.perf_counter() - began) * 1000
            assert response.status_code == 200, (name, response.status_code)
            if attempt >= 2:  # the first two warm the caches
                case.append(elapsed)
        timings.extend(case)
        p95 = statistics.quantiles(case, n=20)[-1]
        print(f"   {name:28s} median {statistics.median(case):7.1f} ms  p95 {p95:7.1f} ms")
    p95 = statistics.quantiles(timings, n=20)[-1]
    floor = _floor_ms(project, repeats)
    return [
        Figure(
            "browser",
            "filtered page p95",
            p95,
            "ms",
            "one SQL page",
            floor,
            f"< {TARGET_MS:.0f} ms",
            p95 < TARGET_MS,
        )
    ]
