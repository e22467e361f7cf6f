"""The comparison page through the Django test client: blind, shuffled once, one door."""

from __future__ import annotations

import re

import pytest

from curation.intake.services import samples_import
from curation.models import Assignment, Comparison, ComparisonOrder, Sample

from .conftest import comparison_record


@pytest.fixture
def loaded(comparison_project, admin):
    samples_import(
        project=comparison_project,
        source=[comparison_record("c1", 3), comparison_record("c2", 3)],
        actor=admin,
    )
    return comparison_project


def _open(client, user, project):
    client.force_login(user)
    response = client.post(f"/projects/{project.slug}/next/")
    assert response.status_code == 302
    assert re.fullmatch(r"/compare/\d+/", response.url), response.url
    return response.url, client.get(response.url)


def test_page_hides_model_names_and_response_ids(client, loaded, cardiologist):
    url, page = _open(client, cardiologist.user, loaded)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Response A" in html and "Response C" in html
    for secret in ("model-a", "model-b", "model-c", 'value="r1"'):
        assert secret not in html
    # A response id as a word of its own (a CSRF token or a nonce may hold "r2" by chance).
    assert not re.search(r"\br[123]\b", html)
    assert html.count("Answer ") == 3  # every response is on the page


def test_order_is_drawn_once_and_recorded_with_the_judgment(client, loaded, cardiologist):
    url, first = _open(client, cardiologist.user, loaded)
    order = ComparisonOrder.objects.get(reviewer=cardiologist.user).order
    assert sorted(order) == ["r1", "r2", "r3"]
    again = client.get(url)
    # The same order on reload: the contents appear in the same sequence.
    contents = re.findall(r"Answer (\d)", first.content.decode())
    assert re.findall(r"Answer (\d)", again.content.decode()) == contents
    assert contents == [k[1] for k in order]
    response = client.post(
        url,
        {"choice_overall": "2", "choice_accuracy": "tie", "choice_safety": "1", "rationale": "ok"},
    )
    assert response.status_code == 302
    judgment = Comparison.objects.get(reviewer=cardiologist.user)
    assert judgment.preferred == order[1]  # place 2 as this physician saw it
    assert judgment.axes == {"accuracy": "tie", "safety": order[0]}
    assert judgment.display_order == order
    assert Assignment.objects.get(reviewer=cardiologist.user, sample=judgment.sample).status == (
        "submitted"
    )
    assert Sample.objects.get(pk=judgment.sample_id).reviews_done == 1


def test_a_missing_axis_is_named_on_the_page(client, loaded, cardiologist):
    url, _ = _open(client, cardiologist.user, loaded)
    response = client.post(url, {"choice_overall": "1", "choice_accuracy": "1"})
    assert response.status_code == 400
    assert "is required" in response.content.decode()
    assert not Comparison.objects.exists()


def test_tie_is_refused_and_not_offered_where_forbidden(
    client, strict_project, admin, cardiologist
):
    samples_import(project=strict_project, source=[comparison_record("c1")], actor=admin)
    url, page = _open(client, cardiologist.user, strict_project)
    assert 'value="tie"' not in page.content.decode()
    response = client.post(
        url, {"choice_overall": "tie", "choice_accuracy": "1", "choice_safety": "1"}
    )
    assert response.status_code == 400
    assert "does not allow ties" in response.content.decode()


def test_another_physician_gets_404_and_the_grading_url_leads_here(
    client, loaded, cardiologist, second_cardiologist
):
    url, _ = _open(client, cardiologist.user, loaded)
    assignment_id = int(url.strip("/").split("/")[-1])
    assert client.get(f"/review/{assignment_id}/").url == url
    client.force_login(second_cardiologist.user)
    assert client.get(url).status_code == 404
    assert client.post(url, {"choice_overall": "1"}).status_code == 404


def test_each_physician_is_served_until_k_judgments_are_in(
    client, loaded, cardiologist, second_cardiologist, neurologist
):
    for user in (cardiologist.user, second_cardiologist.user):
        for _ in range(2):
            url, _ = _open(client, user, loaded)
            client.post(url, {"choice_overall": "1", "choice_accuracy": "1", "choice_safety": "1"})
    assert set(Sample.objects.values_list("status", flat=True)) == {"complete"}
    client.force_login(cardiologist.user)
    assert client.post(f"/projects/{loaded.slug}/next/").status_code == 200  # nothing left


def test_a_comparison_sample_cannot_be_graded_through_the_review_service(loaded, cardiologist):
    from core.errors import Conflict
    from curation.reviewing.assignment import assignment_next
    from curation.reviewing.reviews import review_submit

    lease = assignment_next(user=cardiologist.user, project=loaded).assignment
    with pytest.raises(Conflict):
        review_submit(
            assignment_id=lease.pk,
            user=cardiologist.user,
            grades={"overall": True, "accuracy": True, "safety": True},
            verdict="accept",
        )
    assert Assignment.objects.get(pk=lease.pk).status == "leased"
