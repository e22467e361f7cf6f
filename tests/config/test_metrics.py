"""/metrics: only operators read it; it reports what they alert on."""

from __future__ import annotations

import datetime as dt
import re

import orjson
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from core import task_metrics
from curation.models import AgreementReport, Assignment, Review
from exports.services import pipeline_token_create
from tests.factories import ProjectFactory, SampleFactory, UserFactory

OPERATOR_TOKEN = "operator-test-token-0123456789"


@pytest.fixture
def operator_token(settings):
    settings.METRICS_TOKEN = OPERATOR_TOKEN
    return OPERATOR_TOKEN


def scrape(client: Client | None = None, **headers):
    return (client or Client()).get("/metrics", **headers)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("reviewer", 403),
        ("project admin", 403),
        ("pipeline token", 403),
        ("wrong token", 403),
        ("admin", 200),
        ("operator token", 200),
    ],
)
def test_only_operators_read_metrics(who, status, operator_token, admin, cardiologist, project):
    project_admin = UserFactory(username="pa@rounds.test")
    project.admins.add(project_admin)
    _, pipeline_key = pipeline_token_create(name="trainer", projects=[project], actor=admin)
    requests = {
        "anonymous": lambda: scrape(),
        "reviewer": lambda: scrape(signed_in(cardiologist.user)),
        "project admin": lambda: scrape(signed_in(project_admin)),
        "pipeline token": lambda: scrape(HTTP_AUTHORIZATION=f"Bearer {pipeline_key}"),
        "wrong token": lambda: scrape(HTTP_AUTHORIZATION="Bearer not-the-operator-token"),
        "admin": lambda: scrape(signed_in(admin)),
        "operator token": lambda: scrape(HTTP_AUTHORIZATION=f"Bearer {operator_token}"),
    }
    response = requests[who]()
    assert response.status_code == status
    if status == 200:
        assert b"rounds_leases_live" in response.content
        assert b"django_http_requests_total_by_method_total" in response.content
    else:
        assert b"rounds_" not in response.content


def test_no_token_is_accepted_when_none_is_configured(settings, db):
    settings.METRICS_TOKEN = ""
    assert scrape(HTTP_AUTHORIZATION="Bearer ").status_code == 403


def value(text: str, line_start: str) -> float:
    for line in text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{line_start} not in the metrics")


def test_metrics_report_leases_reviews_and_agreement_age(
    operator_token, project, cardiologist, second_cardiologist
):
    now = timezone.now()
    stroke = ProjectFactory(slug="stroke")
    for i in range(3):
        Assignment.objects.create(
            project=project,
            sample=SampleFactory(project=project),
            reviewer=cardiologist.user if i else second_cardiologist.user,
            served_at=now,
            expires_at=now + dt.timedelta(minutes=30) if i < 2 else now - dt.timedelta(minutes=1),
        )
    for minutes_ago in (1, 2, 3, 4, 30):
        sample = SampleFactory(project=project)
        Review.objects.create(
            project=project,
            sample=sample,
            reviewer=cardiologist.user,
            rubric=project.rubric,
            grades={},
            verdict="accept",
            submitted_at=now - dt.timedelta(minutes=minutes_ago),
        )
    AgreementReport.objects.create(project=project, status="done", finished_at=now)
    AgreementReport.objects.filter(project=project).update(finished_at=now - dt.timedelta(hours=7))
    AgreementReport.objects.create(project=stroke, status="running")
    task_metrics.client().delete(task_metrics.KEY)
    task_metrics.record("curation.expire_leases", 0.3, failed=False)
    task_metrics.record("exports.build", 40.0, failed=False)
    task_metrics.record("exports.build", None, failed=True)

    text = scrape(HTTP_AUTHORIZATION=f"Bearer {operator_token}").content.decode()
    assert value(text, "rounds_leases_live") == 2  # the expired one is not live
    assert value(text, "rounds_reviews_per_minute") == pytest.approx(4 / 5)
    age = value(text, 'rounds_agreement_report_age_seconds{project="chest-pain"}')
    assert 7 * 3600 <= age < 7 * 3600 + 60
    assert 'project="stroke"' not in text.split("rounds_agreement_report_age_seconds")[-1]
    assert value(text, "rounds_agreement_runs_running") == 1
    bucket = "rounds_celery_task_seconds_bucket"
    assert value(text, f'{bucket}{{le="0.5",task="curation.expire_leases"}}') == 1
    assert value(text, f'{bucket}{{le="30.0",task="exports.build"}}') == 0
    assert value(text, f'{bucket}{{le="120.0",task="exports.build"}}') == 1
    assert value(text, 'rounds_celery_task_seconds_sum{task="exports.build"}') == 40.0
    assert value(text, 'rounds_celery_task_failures_total{task="exports.build"}') == 1
    assert value(text, "rounds_outbox_pending") == 0
    assert 'rounds_metrics_source_up{source="curation"} 1.0' in text


def test_queue_lengths_come_from_the_broker(operator_token, db, settings):
    import redis

    from config.celery import app

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(settings.CELERY_QUEUE_HEAVY, settings.CELERY_QUEUE_INTERACTIVE)
    try:
        for _ in range(3):
            app.send_task("exports.build", args=[0])
        app.send_task("curation.expire_leases")
        text = scrape(HTTP_AUTHORIZATION=f"Bearer {operator_token}").content.decode()
        assert value(text, 'rounds_celery_queue_length{queue="heavy"}') == 3
        assert value(text, 'rounds_celery_queue_length{queue="interactive"}') == 1
    finally:
        broker.delete(settings.CELERY_QUEUE_HEAVY, settings.CELERY_QUEUE_INTERACTIVE)


def test_the_dashboard_charts_only_metrics_that_exist(operator_token, db):
    """Every rounds_* series the Grafana dashboard queries is one /metrics serves."""
    dashboard = orjson.loads((settings.BASE_DIR / "docs" / "grafana" / "rounds.json").read_bytes())
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\b(rounds_[a-z_]+?)(?:_bucket|_total)?\b", target["expr"])
    }
    assert len(queried) >= 9
    text = scrape(HTTP_AUTHORIZATION=f"Bearer {operator_token}").content.decode()
    served = {
        name.removesuffix("_total")
        for name in re.findall(r"^# TYPE (rounds_[a-z_]+) ", text, flags=re.M)
    }
    assert queried <= served, queried - served
