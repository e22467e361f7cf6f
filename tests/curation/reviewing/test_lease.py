"""What a pull hands back: a `Lease` with everything its answer shows already loaded."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from curation.models import Assignment
from curation.reviewing.assignment import Lease, assignment_next
from tests.curation.workflow_helpers import samples

pytestmark = pytest.mark.django_db


def shown(assignment: Assignment) -> tuple:
    """What the answer to a pull reads of the lease."""
    sample = assignment.sample
    draft = getattr(assignment, "draft", None)  # as the review page reads it
    return (
        sample.external_id,
        sample.messages,
        sample.specialty.code,
        project_slug(assignment),
        draft,
    )


def project_slug(assignment: Assignment) -> str:
    return assignment.project.slug


def test_a_common_pull_is_one_statement_and_needs_no_read_back(cardiologist, project):
    [first, _] = samples(project, 2)
    with CaptureQueriesContext(connection) as pulled:
        lease = assignment_next(user=cardiologist.user, project=project)
    assert len(pulled.captured_queries) == 1
    assert lease == Lease(assignment=lease.assignment, resumed=False)
    with CaptureQueriesContext(connection) as read:
        assert shown(lease.assignment)[0] == first.external_id
    assert read.captured_queries == []


def test_a_resumed_lease_comes_back_loaded_and_marked(cardiologist, project):
    samples(project, 2)
    first = assignment_next(user=cardiologist.user, project=project)
    again = assignment_next(user=cardiologist.user, project=project)
    assert again.resumed and again.assignment.pk == first.assignment.pk
    with CaptureQueriesContext(connection) as read:
        shown(again.assignment)
    assert read.captured_queries == []
