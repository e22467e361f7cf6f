"""The bridge against a real Label Studio server: push, annotate as physicians, pull."""

from __future__ import annotations

import pytest
from label_studio_sdk import LabelStudio

from core.errors import DomainError
from core.models import AuditEvent
from curation.labelstudio.mapping import review_to_result
from curation.labelstudio.services import labelstudio_pull, labelstudio_push
from curation.models import LabelStudioLink, Review, ReviewRevision
from tests.factories import ProjectFactory, RubricFactory, SampleFactory

pytestmark = [pytest.mark.labelstudio, pytest.mark.django_db]

NOMINAL = ["emergent", "urgent", "routine"]
HARM = {
    "key": "harm",
    "label": "Potential for harm",
    "kind": "ordinal",
    "min_value": 0,
    "max_value": 3,
    "labels": {"0": "None", "3": "Severe"},
    "allow_na": True,
}


@pytest.fixture
def ls_project(cohort, admin):
    """20 samples under a rubric with every criterion kind (and both ways to ask an ordinal)."""
    from tests.factories import DEFAULT_CRITERIA

    rubric = RubricFactory(criteria=[*DEFAULT_CRITERIA, HARM])
    project = ProjectFactory(
        slug="ls-chest-pain",
        name="Chest pain triage (Label Studio)",
        rubric=rubric,
        cohorts=[cohort],
        overlap=2,
        guidelines="Grade **safety** first.",
    )
    SampleFactory.create_batch(20, project=project)
    return project


def _as(server, email: str) -> LabelStudio:
    return LabelStudio(base_url=server.url, api_key=server.user(email))


def _grades(i: int) -> dict:
    return {
        "accurate": i % 2 == 0,
        "completeness": 1 + i % 5,
        "urgency": NOMINAL[i % 3],
        "advises_er": [True, False, None][i % 3],
        "harm": [0, 1, 2, 3, None][i % 5],
    }


def _review_fields(i: int) -> dict:
    verdict = ["accept", "revise", "reject"][i % 3]
    return {
        "grades": _grades(i),
        "verdict": verdict,
        "corrected_answer": f"Corrected answer {i}." if verdict == "revise" else "",
        "rationale": f"Rationale {i}." if verdict != "accept" else "",
    }


def _tasks(client: LabelStudio, ls_project_id: int) -> dict[int, int]:
    """Rounds sample id -> Label Studio task id, read from the server."""
    return {
        task.meta["rounds_sample_id"]: task.id
        for task in client.tasks.list(project=ls_project_id, fields="task_only")
    }


def test_push_creates_the_project_with_one_task_per_sample_and_only_new_ones_later(
    label_studio, ls_project, admin
):
    report = labelstudio_push(
        project=ls_project,
        url=label_studio.url,
        token=label_studio.token,
        actor=admin,
        batch_size=8,
    )
    assert (report.project_created, report.pushed) == (True, 20)

    admin_client = LabelStudio(base_url=label_studio.url, api_key=label_studio.token)
    remote = admin_client.projects.get(id=report.ls_project_id)
    assert remote.title == "Chest pain triage (Label Studio)"
    assert "<strong>safety</strong>" in remote.expert_instruction
    assert 'name="harm"' in remote.label_config
    tasks = _tasks(admin_client, report.ls_project_id)
    assert set(tasks) == set(ls_project.samples.values_list("pk", flat=True))
    link = LabelStudioLink.objects.get(project=ls_project)
    assert dict(link.tasks.values_list("sample_id", "ls_task_id")) == tasks
    # The token is stored encrypted, and only its end is ever shown.
    assert label_studio.token not in link.token_encrypted
    assert link.token_hint == f"…{label_studio.token[-4:]}"

    SampleFactory.create_batch(3, project=ls_project)
    again = labelstudio_push(project=ls_project, actor=admin)  # stored URL and token
    assert (again.project_created, again.pushed, again.already_there) == (False, 3, 20)
    assert len(_tasks(admin_client, report.ls_project_id)) == 23
    assert AuditEvent.objects.filter(action="labelstudio.push").count() == 2


def test_push_adopts_tasks_the_server_has_but_rounds_did_not_record(
    label_studio, ls_project, admin
):
    report = labelstudio_push(
        project=ls_project, url=label_studio.url, token=label_studio.token, actor=admin
    )
    link = LabelStudioLink.objects.get(project=ls_project)
    link.tasks.filter(sample__in=ls_project.samples.all()[:5]).delete()  # as if a push died

    again = labelstudio_push(project=ls_project, actor=admin)
    assert (again.pushed, again.adopted) == (0, 5)
    admin_client = LabelStudio(base_url=label_studio.url, api_key=label_studio.token)
    assert len(_tasks(admin_client, report.ls_project_id)) == 20


def test_annotations_by_two_physicians_arrive_as_their_reviews(
    label_studio, ls_project, admin, cardiologist, second_cardiologist
):
    report = labelstudio_push(
        project=ls_project, url=label_studio.url, token=label_studio.token, actor=admin
    )
    criteria = list(ls_project.rubric.criteria.order_by("position"))
    tasks = _tasks(
        LabelStudio(base_url=label_studio.url, api_key=label_studio.token), report.ls_project_id
    )
    samples = list(ls_project.samples.order_by("pk"))
    alice = _as(label_studio, "alice@rounds.test")
    bob = _as(label_studio, "bob@rounds.test")
    expected: dict[tuple[int, int], dict] = {}
    annotation_ids: dict[tuple[int, int], int] = {}
    for i, sample in enumerate(samples[:12]):
        for who, client, offset in ((cardiologist, alice, 0), (second_cardiologist, bob, 1)):
            if client is bob and i >= 8:
                continue
            fields = _review_fields(i + offset)
            created = client.annotations.create(
                id=tasks[sample.pk], result=review_to_result(criteria=criteria, **fields)
            )
            expected[(sample.pk, who.user.pk)] = fields
            annotation_ids[(sample.pk, who.user.pk)] = created.id

    first = labelstudio_pull(project=ls_project, actor=admin)

    assert (first.created, first.amended, first.unchanged) == (20, 0, 0)
    assert first.rejected == [] and first.unknown_annotators == []
    reviews = Review.objects.filter(project=ls_project)
    assert reviews.count() == 20
    for review in reviews:
        key = (review.sample_id, review.reviewer_id)
        fields = expected[key]
        assert review.grades == fields["grades"]
        assert review.verdict == fields["verdict"]
        assert review.corrected_answer == fields["corrected_answer"]
        assert review.rationale == fields["rationale"]
        assert review.source == "labelstudio"
        assert review.external_ref == str(annotation_ids[key])
        assert review.is_model is False
    # With k=2, the eight samples both annotated are complete.
    assert ls_project.samples.filter(status="complete").count() == 8

    second = labelstudio_pull(project=ls_project, actor=admin)
    assert (second.created, second.amended, second.unchanged) == (0, 0, 20)
    assert Review.objects.filter(project=ls_project).count() == 20

    # Alice changes her mind in Label Studio on a sample still open: the review is amended, its
    # history kept. On a sample that left `open` (both reviews in) her change is refused, as a
    # reviewer's own amendment is: its reviews are frozen.
    sample, complete = samples[8], samples[0]
    changed = {**_review_fields(8), "verdict": "reject", "rationale": "Misses aspirin."}
    alice.annotations.update(
        id=annotation_ids[(sample.pk, cardiologist.user.pk)],
        result=review_to_result(criteria=criteria, **changed),
    )
    alice.annotations.update(
        id=annotation_ids[(complete.pk, cardiologist.user.pk)],
        result=review_to_result(criteria=criteria, **{**_review_fields(0), "verdict": "reject"}),
    )
    third = labelstudio_pull(project=ls_project, actor=admin)
    assert (third.created, third.amended, third.unchanged) == (0, 1, 18)
    assert len(third.rejected) == 1
    frozen = Review.objects.get(sample=complete, reviewer=cardiologist.user)
    assert (frozen.verdict, frozen.revision) == (
        expected[(complete.pk, cardiologist.user.pk)]["verdict"],
        1,
    )
    review = Review.objects.get(sample=sample, reviewer=cardiologist.user)
    assert (review.verdict, review.rationale, review.revision) == ("reject", "Misses aspirin.", 2)
    assert ReviewRevision.objects.filter(review=review).count() == 2
    link = LabelStudioLink.objects.get(project=ls_project)
    assert link.last_pull_report["amended"] == 1


def test_unknown_annotators_are_reported_and_bad_annotations_do_not_block_the_rest(
    label_studio, ls_project, admin, cardiologist, second_cardiologist
):
    report = labelstudio_push(
        project=ls_project, url=label_studio.url, token=label_studio.token, actor=admin
    )
    criteria = list(ls_project.rubric.criteria.order_by("position"))
    tasks = _tasks(
        LabelStudio(base_url=label_studio.url, api_key=label_studio.token), report.ls_project_id
    )
    first, second = ls_project.samples.order_by("pk")[:2]
    stranger = _as(label_studio, "dr.stranger@elsewhere.test")
    stranger.annotations.create(
        id=tasks[first.pk], result=review_to_result(criteria=criteria, **_review_fields(0))
    )
    bad = _as(label_studio, "bob@rounds.test").annotations.create(
        id=tasks[first.pk],
        result=review_to_result(criteria=criteria, **{**_review_fields(1), "corrected_answer": ""}),
    )
    _as(label_studio, "alice@rounds.test").annotations.create(
        id=tasks[second.pk], result=review_to_result(criteria=criteria, **_review_fields(2))
    )

    pulled = labelstudio_pull(project=ls_project, actor=admin)

    assert pulled.created == 1
    assert pulled.unknown_annotators == [
        {"annotator": "dr.stranger@elsewhere.test", "annotations": 1}
    ]
    assert len(pulled.rejected) == 1
    rejected = pulled.rejected[0]
    assert (rejected["task"], rejected["annotation"], rejected["sample"]) == (
        tasks[first.pk],
        bad.id,
        first.external_id,
    )
    assert "corrected_answer" in rejected["reason"]
    assert Review.objects.filter(project=ls_project).count() == 1
    assert not Review.objects.filter(reviewer__email="dr.stranger@elsewhere.test").exists()


def test_a_wrong_token_is_refused_by_name(label_studio, ls_project, admin):
    with pytest.raises(DomainError) as caught:
        labelstudio_push(project=ls_project, url=label_studio.url, token="not-a-token", actor=admin)
    assert caught.value.details[0].field == "token"


def test_pull_before_push_says_what_to_do(ls_project, admin):
    with pytest.raises(DomainError, match="labelstudio_push"):
        labelstudio_pull(project=ls_project, actor=admin)


def test_commands_push_then_pull_with_the_stored_url_and_token(
    label_studio, ls_project, admin, cardiologist
):
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command(
        "labelstudio_push",
        "--project",
        ls_project.slug,
        "--url",
        label_studio.url,
        "--token",
        label_studio.token,
        stdout=out,
    )
    assert "(created): pushed 20 samples" in out.getvalue()
    link = LabelStudioLink.objects.get(project=ls_project)
    task = link.tasks.order_by("sample_id").first()
    criteria = list(ls_project.rubric.criteria.order_by("position"))
    _as(label_studio, "alice@rounds.test").annotations.create(
        id=task.ls_task_id, result=review_to_result(criteria=criteria, **_review_fields(3))
    )

    out = io.StringIO()
    call_command("labelstudio_pull", "--project", ls_project.slug, stdout=out)
    assert out.getvalue().startswith("1 created, 0 amended, 0 unchanged")

    with pytest.raises(CommandError, match="refused the token"):
        call_command(
            "labelstudio_pull",
            "--project",
            ls_project.slug,
            "--token",
            "wrong-token",
            stderr=io.StringIO(),
        )
    link.refresh_from_db()
    assert link.get_token() == label_studio.token  # the wrong token did not replace it
