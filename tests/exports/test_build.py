"""Filters, determinism, the split, immutability and failure of a build."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from core.errors import DomainError
from core.models import AuditEvent
from exports.models import Export
from exports.services import export_build, export_create
from tests.exports.conftest import settled
from tests.exports.helpers import build, data_path, read_rows


def ids(export, split="train") -> list[str]:
    return [row["id"] for row in read_rows(export, split)]


@pytest.mark.parametrize(
    ("format", "filters", "expected"),
    [
        ("sft", {"verdicts": ["accept"]}, ["acc-1", "neu-1"]),
        ("sft", {"specialties": ["neurology"]}, ["neu-1"]),
        ("sft", {"settled_from": "2026-03-20"}, ["neu-1"]),
        ("sft", {"settled_to": "2026-03-10"}, ["acc-1", "adj-1", "rev-1"]),
        ("sft", {"gold": "include"}, ["acc-1", "adj-1", "gold-1", "neu-1", "rev-1"]),
        ("sft", {"gold": "only"}, ["gold-1"]),
        ("graded", {"min_confidence": 0.6}, ["acc-1", "neu-1", "rej-1", "rev-1"]),
        ("graded", {"min_agreement": 0.3}, ["acc-1", "rev-1"]),
        ("sft", {"min_agreement": 0.5}, ["acc-1"]),
        ("graded", {"verdicts": ["reject"]}, ["rej-1"]),
    ],
)
def test_filters_select_the_samples_they_name(curated, admin, format, filters, expected):
    export = build(curated.project, admin, format, filters=filters)
    assert ids(export) == expected
    assert export.row_count == len(expected)


def test_samples_settled_after_the_export_was_requested_are_not_in_it(curated, admin):
    export = export_create(actor=admin, project=curated.project, format="sft", enqueue=False)
    settled(
        curated.project,
        "late-1",
        verdict="accept",
        settled_at=export.created_at + dt.timedelta(seconds=5),
    )
    export = export_build(export_id=export.pk)
    assert "late-1" not in ids(export)


def test_an_invalid_spec_names_every_wrong_field(curated, admin):
    with pytest.raises(DomainError) as caught:
        export_create(
            actor=admin,
            project=curated.project,
            format="sft",
            filters={"specialties": ["astrology"], "min_confidence": 2, "colour": "red"},
            split={"validation": 1.5},
        )
    fields = {d.field for d in caught.value.details}
    assert fields == {
        "filters.specialties",
        "filters.min_confidence",
        "filters.colour",
        "split.validation",
    }
    assert "astrology" in str(caught.value.details)
    assert not Export.objects.exists()


@pytest.mark.parametrize("file_format", ["jsonl", "parquet"])
def test_two_builds_of_the_same_spec_are_byte_equal(curated, admin, file_format):
    spec = {"file_format": file_format, "filters": {"gold": "include"}}
    first = build(curated.project, admin, "graded", **spec)
    second = build(curated.project, admin, "graded", **spec)
    assert (first.version, second.version) == (1, 2)
    assert data_path(first).read_bytes() == data_path(second).read_bytes()
    assert first.sha256 == second.sha256


def test_split_is_seeded_exact_per_specialty_and_disjoint(project, admin):
    for n in range(40):
        settled(project, f"c-{n:02d}", verdict="accept")
    for n in range(20):
        settled(project, f"n-{n:02d}", verdict="accept", code="neurology")
    split = {"validation": 0.25, "seed": 7}
    export = build(project, admin, "sft", split=split)
    train, validation = read_rows(export, "train"), read_rows(export, "validation")
    by_specialty = {}
    for row in validation:
        by_specialty[row["specialty"]] = by_specialty.get(row["specialty"], 0) + 1
    assert by_specialty == {"cardiology": 10, "neurology": 5}
    assert len(train) == 45
    assert {r["id"] for r in train}.isdisjoint({r["id"] for r in validation})
    again = build(project, admin, "sft", split=split)
    assert ids(again, "validation") == ids(export, "validation")
    other_seed = build(project, admin, "sft", split={"validation": 0.25, "seed": 8})
    assert ids(other_seed, "validation") != ids(export, "validation")
    assert [f["split"] for f in export.files] == ["train", "validation"]
    assert export.manifest["counts"]["by_specialty"]["validation"] == by_specialty


def test_a_built_export_never_changes(curated, admin):
    export = build(curated.project, admin, "sft")
    with pytest.raises(IntegrityError), transaction.atomic():
        Export.objects.filter(pk=export.pk).update(sha256="0" * 64)
    again = export_build(export_id=export.pk)  # a redelivered task: nothing to do
    assert again.sha256 == export.sha256
    assert again.attempt == 1


def test_a_failed_build_says_why_and_leaves_no_file(curated, admin, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker)},
        },
    }
    export = export_create(actor=admin, project=curated.project, format="sft", enqueue=False)
    export = export_build(export_id=export.pk)
    assert export.status == Export.Status.FAILED
    assert "not-a-folder" in export.error
    assert export.files == [] and export.sha256 == ""
    actions = set(
        AuditEvent.objects.filter(object_id=str(export.pk)).values_list("action", flat=True)
    )
    assert actions == {"export.create", "export.build_start", "export.fail"}


def test_manifest_and_card_describe_the_files(curated, admin, storage_root):
    export = build(curated.project, admin, "sft", filters={"gold": "include"})
    folder = storage_root / export.storage_prefix
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "manifest.json", "train.jsonl"]
    manifest = export.manifest
    assert manifest["files"][0]["sha256"] == export.sha256
    assert manifest["rows"] == 5
    assert manifest["counts"]["by_specialty"] == {"train": {"cardiology": 4, "neurology": 1}}
    assert manifest["counts"]["verdicts"] == {"accept": 3, "revise": 2}
    assert manifest["rubric"]["version"] == 1
    card = (folder / "README.md").read_text()
    assert card.startswith("---\n")
    assert "path: train.jsonl" in card
    assert "| train | cardiology | 4 |" in card


def test_graded_export_reads_the_agreement_jobs_consensus_where_it_ran(curated, admin):
    from curation.models import AgreementReport, ConsensusLabel

    report = AgreementReport.objects.create(
        project=curated.project,
        status=AgreementReport.Status.DONE,
        figures={
            "criteria": {"accurate": {"alpha": 0.81, "ci_low": 0.7, "ci_high": 0.9}},
            "verdict": {"alpha": 0.66},
        },
    )
    label_confidence = {"accurate": 0.97, "completeness": 0.91, "urgency": 0.88, "advises_er": 0.4}
    ConsensusLabel.objects.create(
        sample=curated.accepted,
        project=curated.project,
        report=report,
        grades=curated.accepted.final_grades,
        confidence=label_confidence,
        verdict="accept",
        verdict_confidence=0.95,
        min_confidence=0.4,
        n_reviews=2,
    )
    export = build(curated.project, admin, "graded")
    row = read_rows(export)[0]
    assert row["id"] == "acc-1"
    assert {k: c["confidence"] for k, c in row["criteria"].items()} == label_confidence
    assert row["criteria"]["accurate"]["agreement"] == 1.0  # pairwise, from the reviews
    confident = build(curated.project, admin, "graded", filters={"min_confidence": 0.6})
    assert "acc-1" not in ids(confident)
    assert export.manifest["reliability"]["items"]["accurate"]["alpha"] == 0.81
    card = (data_path(export).parent / "README.md").read_text()
    assert "| accurate | – | 0.810 | 0.700–0.900 |" in card


def test_export_dataset_command_builds_the_same_file_with_a_progress_bar(
    curated, admin, tmp_path, capsys
):
    from django.core.management import call_command

    call_command(
        "export_dataset",
        "--project",
        "chest-pain",
        "--format",
        "sft",
        "--out",
        str(tmp_path / "out"),
    )
    export = Export.objects.get()
    assert export.status == "done" and export.created_by is None
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "manifest.json", "train.jsonl"]
    assert (out / "train.jsonl").read_bytes() == data_path(export).read_bytes()
    assert "4 rows" in capsys.readouterr().out
    call_command(
        "export_dataset",
        "--project",
        "chest-pain",
        "--format",
        "graded",
        "--parquet",
        "--out",
        str(tmp_path / "graded.parquet"),
    )
    assert len(read_rows(Export.objects.get(version=2))) == 5
    assert (tmp_path / "graded.parquet").stat().st_size > 0


def test_a_non_local_storage_backend_receives_the_finished_files(curated, admin, settings):
    """Any django-storages backend works: the files are built locally, then saved once done."""
    from django.core.files.storage import default_storage
    from rest_framework.test import APIClient

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    export = build(curated.project, admin, "sft", file_format="parquet")
    prefix = export.storage_prefix
    for name in ("train.parquet", "manifest.json", "README.md"):
        assert default_storage.exists(f"{prefix}/{name}")
    client = APIClient()
    client.force_login(admin)
    response = client.get(f"/api/exports/{export.pk}/download/", HTTP_RANGE="bytes=0-3")
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == b"PAR1"


@pytest.mark.parametrize("format", ["sft", "preference", "graded"])
def test_reading_reviews_per_batch_gives_the_same_bytes_as_reading_them_in_sql(
    curated, admin, settings, format
):
    """Databases without array subqueries (SQLite, for the demo) take the batch path."""
    in_sql = build(curated.project, admin, format, filters={"gold": "include"})
    settings.EXPORTS_REVIEWERS_IN_SQL = False
    batched = build(curated.project, admin, format, filters={"gold": "include"})
    assert data_path(in_sql).read_bytes() == data_path(batched).read_bytes()
