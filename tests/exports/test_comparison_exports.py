"""Exports of a comparison project: preference pairs from judgments, and the raw judgments."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.errors import DomainError
from curation.comparisons.judgments import comparison_record
from curation.intake.services import samples_import
from curation.models import Sample
from curation.projects.services import project_load
from exports.comparisons import preference_pairs
from exports.services import export_create
from tests.curation.comparisons.conftest import COMPARISON_YAML
from tests.curation.comparisons.conftest import comparison_record as record
from tests.exports.helpers import build, pseudonyms, read_rows


@pytest.fixture
def comparison_project(db, cohort, admin):
    return project_load(data=COMPARISON_YAML.format(ties="true"), actor=admin).project


@pytest.fixture
def judged(comparison_project, admin, cohort, cardiologist, second_cardiologist):
    """c1: 3 responses, both prefer r2 (one ranks r2 > r1 > r3); c2: a split; c3: one judgment
    only (not complete, so not exported)."""
    samples_import(
        project=comparison_project,
        source=[record("c1", 3), record("c2", 2), record("c3", 2)],
        actor=admin,
    )
    alice, bob = cardiologist.user, second_cardiologist.user
    c1, c2, c3 = (Sample.objects.get(external_id=x) for x in ("c1", "c2", "c3"))
    for sample, user, preferred, ranking, axes in (
        (c1, alice, "r2", ["r2", "r1", "r3"], {"accuracy": "r2", "safety": "tie"}),
        (c1, bob, "r2", None, {"accuracy": "r1", "safety": "r2"}),
        (c2, alice, "r1", None, {"accuracy": "r1", "safety": "r1"}),
        (c2, bob, "r2", None, {"accuracy": "r2", "safety": "r2"}),
        (c3, alice, "r1", None, {"accuracy": "r1", "safety": "r1"}),
    ):
        comparison_record(
            sample=sample,
            reviewer=user,
            preferred=preferred,
            ranking=ranking,
            axes=axes,
            rationale="because",
            actor=admin,
        )
    return comparison_project


def test_preference_pairs_follow_the_consensus_ranking(judged, admin, storage_root):
    export = build(judged, admin, "preference")
    rows = {row["id"]: row for row in read_rows(export)}
    # c1: r2 beats r1 and r3 for both (margin 1); r1 > r3 only in Alice's ranking (1/2: no row).
    # c2: split 1-1, no pair has a majority.
    assert set(rows) == {"c1:r2>r1", "c1:r2>r3"}
    row = rows["c1:r2>r1"]
    assert row["chosen"] == [{"content": "Answer 2: call emergency services.", "role": "assistant"}]
    assert row["rejected"][0]["content"].startswith("Answer 1")
    assert (row["chosen_model"], row["rejected_model"], row["margin"]) == (
        "model-b",
        "model-a",
        1.0,
    )
    assert row["prompt"][0]["role"] == "user"
    # accuracy: Alice r2 (for chosen), Bob r1 (for rejected); safety: tie and r2.
    assert row["axes"] == {"accuracy": 0.5, "safety": 0.75}
    assert row["reviewer_ids"] == pseudonyms(export, *judged_physicians(judged))
    assert export.manifest["counts"]["comparison"]["position_bias"]["n"] == 0


def judged_physicians(project):
    from annotators.models import Physician

    return list(Physician.objects.filter(user__comparisons__project=project).distinct())


def test_margin_is_the_share_of_physicians_behind_chosen():
    responses = [{"id": k} for k in ("r1", "r2", "r3")]
    judgments = [
        {"preferred": "r1", "ranking": [], "axes": {}},
        {"preferred": "r1", "ranking": [], "axes": {}},
        {"preferred": "r2", "ranking": ["r2", "r3", "r1"], "axes": {}},
    ]
    pairs = {(c, r): m for c, r, m, _ in preference_pairs(responses, judgments, [])}
    # r2 > r3 has only one physician of three behind it: no row.
    assert pairs == {("r1", "r2"): pytest.approx(2 / 3), ("r1", "r3"): pytest.approx(2 / 3)}


def test_comparison_export_has_every_judgment_with_pseudonyms(judged, admin, storage_root):
    export = build(judged, admin, "comparison", file_format="parquet")
    rows = read_rows(export)
    assert len(rows) == 4  # c3 has one judgment of k = 2: not complete, not exported
    ids = {row["reviewer_id"] for row in rows}
    assert ids == set(pseudonyms(export, *judged_physicians(judged)))
    assert not any("rounds.test" in str(row) for row in rows)
    first = next(r for r in rows if r["sample_id"] == "c1" and r["ranking"])
    assert first["preferred"] == "r2" and first["preferred_model"] == "model-b"
    assert first["axes"] == {"accuracy": "r2", "safety": "tie"}
    assert [r["model"] for r in first["responses"]] == ["model-a", "model-b", "model-c"]


def test_formats_are_checked_against_the_project_kind(judged, project, admin):
    with pytest.raises(DomainError) as caught:
        export_create(actor=admin, project=judged, format="graded", enqueue=False)
    assert caught.value.field == "format"
    with pytest.raises(DomainError):
        export_create(actor=admin, project=project, format="comparison", enqueue=False)


def test_card_reports_agreement_and_model_strengths(judged, admin, storage_root):
    export = build(judged, admin, "preference")
    manifest = export.manifest
    assert manifest["counts"]["comparison"]["agreement"]["overall"]["unanimous_share"] == 0.5
    models = [m["model"] for m in manifest["counts"]["comparison"]["models"]]
    assert models[0] == "model-b"


@pytest.fixture
def offline_hf(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    return tmp_path / "hf" / "datasets"


@pytest.mark.parametrize("file_format", ["jsonl", "parquet"])
@pytest.mark.parametrize(("format", "rows"), [("preference", 2), ("comparison", 4)])
def test_datasets_loads_both_comparison_exports(
    judged, admin, offline_hf, tmp_path, storage_root, format, rows, file_format
):
    from datasets import load_dataset

    export = build(judged, admin, format, file_format=file_format)
    client = APIClient()
    client.force_login(admin)
    response = client.get(f"/api/exports/{export.pk}/download/")
    assert response.status_code == 200
    path = tmp_path / f"{format}.{file_format}"
    path.write_bytes(b"".join(response.streaming_content))
    loader = "json" if file_format == "jsonl" else "parquet"
    train = load_dataset(loader, data_files={"train": str(path)}, cache_dir=str(offline_hf))[
        "train"
    ]
    assert train.num_rows == rows
    if format == "preference":
        assert {
            "prompt",
            "chosen",
            "rejected",
            "chosen_model",
            "rejected_model",
            "margin",
            "axes",
        } <= set(train.column_names)
        assert train[0]["chosen"][0]["role"] == "assistant"
    else:
        assert {"reviewer_id", "preferred", "axes", "shown_order", "responses"} <= set(
            train.column_names
        )


def test_export_folder_loads_by_its_card(judged, admin, offline_hf, storage_root):
    from datasets import load_dataset

    export = build(judged, admin, "comparison", file_format="parquet")
    dataset = load_dataset(str(storage_root / export.storage_prefix), cache_dir=str(offline_hf))
    assert dataset["train"].num_rows == 4
    readme = (storage_root / export.storage_prefix / "README.md").read_text()
    assert "Position bias" not in readme  # imported judgments carry no shown order
    assert "Model strengths" in readme and "Krippendorff" in readme
