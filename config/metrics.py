"""Prometheus metrics at /metrics, for operators only.

django-prometheus counts requests, latencies, database and cache calls of this process; the
collector below adds what the product's operators watch: Celery queue lengths, task durations
and failures (from every worker, see core.task_metrics), live leases, reviews per minute, the age
of each active project's agreement report, running exports and the outbox backlog.

Who may read: a staff session, or `Authorization: Bearer <METRICS_TOKEN>` (Prometheus itself).
Everyone else gets 401 (not signed in) or 403.
"""

from __future__ import annotations

import hmac
import logging
import os

from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from core import task_metrics

log = logging.getLogger(__name__)

PRIORITY_SEP = "\x06\x16"  # kombu's Redis transport keeps priorities 3, 6, 9 in queue+sep+n
RECENT_REVIEWS = 10_000  # the newest reviews looked at for the rate: bounded work per scrape


def queue_lengths() -> dict[str, int]:
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith(("redis://", "rediss://")):
        return {}
    import redis

    client = redis.Redis.from_url(broker, socket_timeout=1, socket_connect_timeout=1)
    queues = (settings.CELERY_QUEUE_INTERACTIVE, settings.CELERY_QUEUE_HEAVY)
    pipe = client.pipeline(transaction=False)
    for queue in queues:
        for key in (queue, *(f"{queue}{PRIORITY_SEP}{p}" for p in (3, 6, 9))):
            pipe.llen(key)
    counts = pipe.execute()
    return {queue: sum(counts[i * 4 : i * 4 + 4]) for i, queue in enumerate(queues)}


def reviews_per_minute(window_minutes: int = 5) -> float:
    """Reviews submitted over the last few minutes, per minute (from the newest reviews only)."""
    from curation.models import Review

    cutoff = timezone.now() - timezone.timedelta(minutes=window_minutes)
    newest = Review.objects.order_by("-id").values("submitted_at")[:RECENT_REVIEWS]
    recent = sum(1 for row in newest.iterator() if row["submitted_at"] >= cutoff)
    return recent / window_minutes


class RoundsCollector:
    """Read at each scrape; one failing source leaves the others reported."""

    def collect(self):
        up = GaugeMetricFamily(
            "rounds_metrics_source_up", "Whether a metrics source answered.", labels=["source"]
        )
        for source in (self._queues, self._tasks, self._curation, self._exports):
            name = source.__name__.strip("_")
            try:
                families = list(source())
            except Exception:
                log.warning("metrics: %s failed", name, exc_info=True)
                families = []
            up.add_metric([name], 1 if families else 0)
            yield from families
        yield up

    def _queues(self):
        gauge = GaugeMetricFamily(
            "rounds_celery_queue_length", "Jobs waiting in a Celery queue.", labels=["queue"]
        )
        for queue, length in queue_lengths().items():
            gauge.add_metric([queue], length)
        yield gauge

    def _tasks(self):
        seconds = HistogramMetricFamily(
            "rounds_celery_task_seconds", "Run time of finished Celery tasks.", labels=["task"]
        )
        failures = CounterMetricFamily(
            "rounds_celery_task_failures", "Celery tasks that raised.", labels=["task"]
        )
        for name, entry in sorted(task_metrics.read().items()):
            buckets = [(str(b), entry["buckets"][b]) for b in task_metrics.BUCKETS]
            buckets.append(("+Inf", entry["count"]))
            seconds.add_metric([name], buckets, sum_value=entry["sum"])
            failures.add_metric([name], entry["failures"])
        yield seconds
        yield failures

    def _curation(self):
        from curation.models import AgreementReport, Assignment, Project

        now = timezone.now()
        leases = Assignment.objects.filter(
            status=Assignment.Status.LEASED, expires_at__gt=now
        ).count()
        yield GaugeMetricFamily("rounds_leases_live", "Leases held right now.", value=leases)
        yield GaugeMetricFamily(
            "rounds_reviews_per_minute",
            "Reviews submitted per minute over the last five minutes.",
            value=reviews_per_minute(),
        )
        age = GaugeMetricFamily(
            "rounds_agreement_report_age_seconds",
            "Seconds since an active project's last finished agreement report (absent: none yet).",
            labels=["project"],
        )
        latest = (
            AgreementReport.objects.filter(
                status=AgreementReport.Status.DONE, project__status=Project.Status.ACTIVE
            )
            .values("project__slug")
            .annotate(last=Max("finished_at"))
        )
        for row in latest:
            if row["last"] is not None:
                age.add_metric([row["project__slug"]], (now - row["last"]).total_seconds())
        yield age
        running = AgreementReport.objects.filter(status=AgreementReport.Status.RUNNING).count()
        yield GaugeMetricFamily(
            "rounds_agreement_runs_running", "Agreement runs in progress.", value=running
        )

    def _exports(self):
        from core.models import OutboxMessage
        from exports.models import Export

        for status in (Export.Status.QUEUED, Export.Status.RUNNING):
            yield GaugeMetricFamily(
                f"rounds_exports_{status}",
                f"Exports {status}.",
                value=Export.objects.filter(status=status).count(),
            )
        yield GaugeMetricFamily(
            "rounds_outbox_pending",
            "Jobs recorded but not yet handed to the broker.",
            value=OutboxMessage.objects.filter(sent_at__isnull=True).count(),
        )


_collector = RoundsCollector()
REGISTRY.register(_collector)


def registry():
    """This process's registry, or every gunicorn worker's when PROMETHEUS_MULTIPROC_DIR is set."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)
    combined.register(_collector)
    return combined


def operator(request: HttpRequest) -> bool | None:
    """True for staff or the operators' token; False for anyone else signed in; None if nobody."""
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        given = header.removeprefix("Bearer ").strip()
        return bool(token) and hmac.compare_digest(given.encode(), token.encode())
    user = request.user
    if not user.is_authenticated:
        return None
    return bool(user.is_staff and user.is_active)


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    allowed = operator(request)
    if not allowed:
        status = 401 if allowed is None else 403
        response = HttpResponse("Metrics are for operators.\n", status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
