"""An export carries the figures of the project's latest agreement report: manifest and card."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from curation.agreement.services import agreement_compute
from curation.models import Review, Sample
from exports.models import Export
from tests.exports.helpers import build, data_path
from tests.factories import PhysicianFactory, SampleFactory, join

AGREE = {"accurate": True, "completeness": 4, "urgency": "emergent", "advises_er": True}


@pytest.fixture
def panel(cohort, cardiologist, second_cardiologist):
    third = PhysicianFactory(
        user__username="carl@rounds.test", user__first_name="Carl", specialties=["cardiology"]
    )
    join(cohort, third)
    return [cardiologist, second_cardiologist, third]


def _review(sample: Sample, physician, grades: dict, n: int) -> None:
    Review.objects.create(
        project=sample.project,
        sample=sample,
        reviewer=physician.user,
        rubric=sample.project.rubric,
        grades=grades,
        verdict="accept",
        rationale="",
        time_on_task_ms=60_000,
        submitted_at=timezone.now(),
        client_key=f"rel-{n}",
    )


@pytest.fixture
def agreed(project, panel):
    """Twelve samples three physicians graded alike but for one completeness score in four."""
    n = 0
    for i in range(12):
        sample = SampleFactory(project=project, external_id=f"s-{i}")
        for j, physician in enumerate(panel):
            grades = dict(AGREE, accurate=i % 2 == 0, completeness=1 + i % 5)
            if i % 4 == 0 and j == 2:
                grades["completeness"] = 5 - i % 5
            n += 1
            _review(sample, physician, grades, n)
        Sample.objects.filter(pk=sample.pk).update(reviews_done=3, status=Sample.Status.COMPLETE)
    return agreement_compute(project=project, method="majority")


def _overall(report, key: str) -> dict:
    (entry,) = [c for c in report.figures["criteria"] if c["key"] == key]
    return entry["overall"]


def test_manifest_carries_alpha_per_criterion_from_the_latest_report(agreed, project, admin):
    export = build(project, admin, "graded")
    reliability = export.manifest["reliability"]
    assert reliability["report"] == agreed.pk
    assert reliability["settled"] == agreed.settled > 0
    keys = {c["key"] for c in agreed.figures["criteria"]}
    assert set(reliability["items"]) == keys | {"verdict"}
    for key in keys:
        expected = _overall(agreed, key)
        item = reliability["items"][key]
        assert item["alpha"] == expected["alpha"]
        assert item["n_items"] == expected["n_items"] == 12
        assert item["observed_agreement"] == expected["observed_agreement"]
    assert reliability["items"]["accurate"]["alpha"] == 1.0
    assert 0 < reliability["items"]["completeness"]["alpha"] < 1.0
    card = (data_path(export).parent / "README.md").read_text()
    completeness = reliability["items"]["completeness"]
    assert f"| completeness | ordinal | {completeness['alpha']:.3f} |" in card
    assert "| accurate | nominal | 1.000 |" in card
    assert "| 12 |" in card


def test_without_a_report_the_manifest_says_so_and_the_card_has_no_table(project, admin, panel):
    sample = SampleFactory(project=project, external_id="only")
    Sample.objects.filter(pk=sample.pk).update(
        status=Sample.Status.SETTLED, final_verdict="accept", final_grades=AGREE
    )
    export = build(project, admin, "sft")
    assert export.manifest["reliability"] is None
    card = (data_path(export).parent / "README.md").read_text()
    assert "Inter-rater reliability" not in card


@pytest.mark.browser
def test_admin_creates_an_export_and_reads_alpha_on_its_card(
    committed, page, live_server, project, admin, agreed
):
    from exports.services import export_build

    client = Client()
    client.force_login(admin)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto("/exports/")
    page.get_by_label("Project").select_option("chest-pain")
    page.get_by_label("Format", exact=True).select_option("graded")
    with page.expect_navigation():
        page.get_by_role("button", name="Build export").click()
    export = Export.objects.get(project=project)
    export_build(export_id=export.pk)  # what the worker does while the page polls
    page.get_by_role("heading", name="Dataset card").wait_for()
    page.get_by_role("heading", name="Inter-rater reliability (whole project)").wait_for()
    export.refresh_from_db()
    alpha = export.manifest["reliability"]["items"]["completeness"]["alpha"]
    row = page.get_by_role("row").filter(has_text="completeness").filter(has_text="ordinal")
    assert f"{alpha:.3f}" in row.inner_text()
