"""The model leaderboard of a comparison project in the console."""

from __future__ import annotations

import re

import pytest

from curation.comparisons.judgments import comparison_submit
from curation.intake.services import samples_import
from curation.projects.services import project_load
from curation.reviewing.assignment import assignment_next
from tests.curation.comparisons.conftest import COMPARISON_YAML, comparison_record


@pytest.fixture
def board(db, cohort, admin, cardiologist, second_cardiologist):
    """Two physicians judge 4 samples on the page; model-c always wins."""
    project = project_load(data=COMPARISON_YAML.format(ties="true"), actor=admin).project
    samples_import(
        project=project, source=[comparison_record(f"c{i}", 3) for i in range(4)], actor=admin
    )
    for physician in (cardiologist, second_cardiologist):
        for _ in range(4):
            lease = assignment_next(user=physician.user, project=project).assignment
            comparison_submit(
                assignment_id=lease.pk,
                user=physician.user,
                preferred="r3",
                axes={"accuracy": "r3", "safety": "tie"},
            )
    return project


def test_admin_sees_models_ranked_with_intervals_and_position_bias(client, board, admin):
    client.force_login(admin)
    page = client.get(f"/console/projects/{board.slug}/leaderboard/")
    html = page.content.decode()
    assert page.status_code == 200
    overall = html.split('id="board-overall"')[1].split("</section>")[0]
    assert re.findall(r"<td>(model-\w)</td>", overall)[0] == "model-c"
    assert overall.count("<circle") == 3
    assert "data-position-bias" in html and "of 8 judgments" in html
    assert "Alice" in html and "Bob" in html
    # The project page links to it.
    assert "/leaderboard/" in client.get(f"/console/projects/{board.slug}/").content.decode()


def test_project_admin_of_another_project_and_physicians_get_no_leaderboard(
    client, board, project, cardiologist
):
    from tests.factories import UserFactory

    other = UserFactory(username="pat@rounds.test")
    project.admins.add(other)
    client.force_login(other)
    assert client.get(f"/console/projects/{board.slug}/leaderboard/").status_code == 404
    client.force_login(cardiologist.user)
    assert client.get(f"/console/projects/{board.slug}/leaderboard/").status_code == 403


def test_a_grading_project_has_no_leaderboard(client, project, admin):
    client.force_login(admin)
    assert client.get(f"/console/projects/{project.slug}/leaderboard/").status_code == 404
