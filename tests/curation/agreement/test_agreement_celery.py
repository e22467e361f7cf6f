"""The agreement task end to end on a real Celery worker over Redis."""

from __future__ import annotations

import time

import pytest

from curation.agreement.tasks import compute_agreement
from curation.models import AgreementReport, Sample


@pytest.mark.celery
def test_worker_computes_the_report_and_settles(committed_db, project, reviewed, celery_worker):
    samples = reviewed(6)
    compute_agreement.delay(project.pk)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if AgreementReport.objects.filter(project=project, status="done").exists():
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"no report within 90 s; worker log:\n{celery_worker.log()[-3000:]}")
    report = AgreementReport.objects.get(project=project)
    assert report.settled == 6
    assert Sample.objects.get(pk=samples[0].pk).status == "settled"
