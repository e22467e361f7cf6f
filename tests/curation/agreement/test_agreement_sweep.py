"""The agreement sweep: which running reports it takes for dead, and what it does with them."""

from __future__ import annotations

import datetime as dt
import time

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from core.models import AuditEvent, OutboxMessage
from curation.agreement.sweep import (
    INTERRUPTED,
    LOCK_NAMESPACE,
    RunHeartbeat,
    agreement_recover_stalled,
)
from curation.models import AgreementReport
from tests.services import database_url

LONG_AGO = dt.timedelta(minutes=10)


def running(project, *, beat_ago: dt.timedelta, requested_by=None) -> AgreementReport:
    report = AgreementReport.objects.create(project=project, requested_by=requested_by)
    AgreementReport.objects.filter(pk=report.pk).update(heartbeat_at=timezone.now() - beat_ago)
    return report


def requeued(project) -> list[list]:
    return list(
        OutboxMessage.objects.filter(task="curation.compute_agreement").values_list(
            "args", flat=True
        )
    )


def test_a_run_without_heartbeat_and_without_session_is_interrupted_and_run_again(project, admin):
    report = running(project, beat_ago=LONG_AGO, requested_by=admin)
    assert agreement_recover_stalled() == [report.pk]
    report.refresh_from_db()
    assert report.status == "failed" and report.error == INTERRUPTED
    assert requeued(project) == [[project.pk, admin.pk]]
    assert AuditEvent.objects.filter(action="agreement.requeue").count() == 1
    assert agreement_recover_stalled() == []  # once


def test_a_run_with_a_fresh_heartbeat_is_left_alone(project):
    report = running(project, beat_ago=dt.timedelta(seconds=5))
    assert agreement_recover_stalled() == []
    assert AgreementReport.objects.get(pk=report.pk).status == "running"
    assert requeued(project) == []


def test_a_slow_run_whose_session_holds_the_project_lock_is_left_alone(project):
    report = running(project, beat_ago=LONG_AGO)
    other = psycopg.connect(database_url(connection.settings_dict), autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, project.pk])
        assert agreement_recover_stalled() == []
        assert AgreementReport.objects.get(pk=report.pk).status == "running"
    finally:
        other.close()
    assert agreement_recover_stalled() == [report.pk]  # the session is gone: now it is dead


def test_a_project_whose_runs_keep_dying_is_given_up_on(project, settings):
    settings.AGREEMENT_MAX_ATTEMPTS = 2
    first = running(project, beat_ago=LONG_AGO)
    assert agreement_recover_stalled() == [first.pk]
    second = running(project, beat_ago=LONG_AGO)
    assert agreement_recover_stalled() == []  # second interruption in a row: not again
    assert AgreementReport.objects.get(pk=second.pk).status == "failed"
    assert len(requeued(project)) == 1
    assert AuditEvent.objects.filter(action="agreement.given_up").count() == 1


def test_a_finished_run_resets_the_count(project, settings):
    settings.AGREEMENT_MAX_ATTEMPTS = 2
    first = running(project, beat_ago=LONG_AGO)
    agreement_recover_stalled()
    AgreementReport.objects.create(project=project, status="done", finished_at=timezone.now())
    later = running(project, beat_ago=LONG_AGO)
    AgreementReport.objects.filter(pk=later.pk).update(created_at=timezone.now() + LONG_AGO)
    assert agreement_recover_stalled() == [later.pk]
    assert first.pk != later.pk


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_moves_while_the_run_works_and_stops_with_it(project):
    report = running(project, beat_ago=LONG_AGO)
    before = AgreementReport.objects.get(pk=report.pk).heartbeat_at
    heartbeat = RunHeartbeat(report.pk, every=0.05).start()
    try:
        time.sleep(0.5)
        beat = AgreementReport.objects.get(pk=report.pk).heartbeat_at
        assert beat > before + dt.timedelta(minutes=9)
    finally:
        heartbeat.close()
    assert not heartbeat.thread.is_alive()
    last = AgreementReport.objects.get(pk=report.pk).heartbeat_at
    time.sleep(0.2)
    assert AgreementReport.objects.get(pk=report.pk).heartbeat_at == last
