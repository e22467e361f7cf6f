"""Hugging Face `datasets` loads every format, as JSON Lines and as Parquet, from the downloads."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.exports.helpers import build

COLUMNS = {
    "sft": {
        "id",
        "specialty",
        "rubric_version",
        "reviewer_ids",
        "messages",
        "answer_source",
        "verdict",
    },
    "preference": {
        "id",
        "specialty",
        "rubric_version",
        "reviewer_ids",
        "prompt",
        "chosen",
        "rejected",
        "answer_source",
    },
    "graded": {
        "id",
        "specialty",
        "rubric_version",
        "reviewer_ids",
        "messages",
        "answer",
        "criteria",
        "score",
        "verdict",
    },
}
ROWS = {"sft": 4, "preference": 2, "graded": 5}


@pytest.fixture
def offline_hf(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf" / "datasets"))
    return tmp_path / "hf" / "datasets"


@pytest.mark.parametrize("file_format", ["jsonl", "parquet"])
@pytest.mark.parametrize("format", ["sft", "preference", "graded"])
def test_datasets_loads_the_downloaded_file(
    curated, admin, offline_hf, tmp_path, format, file_format
):
    from datasets import load_dataset

    export = build(curated.project, admin, format, file_format=file_format)
    client = APIClient()
    client.force_login(admin)
    response = client.get(f"/api/exports/{export.pk}/download/")
    path = tmp_path / f"{format}.{file_format}"
    path.write_bytes(b"".join(response.streaming_content))
    loader = "json" if file_format == "jsonl" else "parquet"
    dataset = load_dataset(loader, data_files={"train": str(path)}, cache_dir=str(offline_hf))
    train = dataset["train"]
    assert set(train.column_names) == COLUMNS[format]
    assert train.num_rows == ROWS[format]
    if format == "sft":
        assert train[0]["messages"][-1]["role"] == "assistant"
    if format == "graded":
        assert set(train[0]["criteria"]) == {"accurate", "advises_er", "completeness", "urgency"}


def test_the_export_folder_loads_by_its_card_with_both_splits(
    curated, admin, offline_hf, storage_root
):
    from datasets import load_dataset

    export = build(
        curated.project,
        admin,
        "graded",
        file_format="parquet",
        split={"validation": 0.4, "seed": 3},
    )
    dataset = load_dataset(str(storage_root / export.storage_prefix), cache_dir=str(offline_hf))
    assert set(dataset) == {"train", "validation"}
    assert dataset["train"].num_rows + dataset["validation"].num_rows == 5
