"""The identifier screen against its labelled corpus: recall and false positives per category.

tests/data/phi/identifiers.jsonl holds identifier phrasings with the span of each identifier;
a phrasing counts as caught only if a finding overlaps every labelled span. clean.jsonl holds
clinical texts with no identifier; any finding in one is a false positive. The figures in
docs/phi-screening.md come from `corpus_table()`; the last test keeps them in step.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from curation.intake.phi import identifier_spans

DATA = Path(__file__).resolve().parents[2] / "data" / "phi"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "phi-screening.md"


def _load(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


IDENTIFIERS = _load("identifiers.jsonl")
CLEAN = _load("clean.jsonl")


def _caught(row: dict) -> bool:
    hits = identifier_spans(row["text"])
    return all(any(h.start < end and h.end > start for h in hits) for start, end in row["spans"])


def recall_by_category() -> dict[str, tuple[int, int]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in IDENTIFIERS:
        counts[row["category"]][0] += _caught(row)
        counts[row["category"]][1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(counts.items())}


def false_positives_by_category() -> dict[str, tuple[int, int]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in CLEAN:
        counts[row["category"]][0] += bool(identifier_spans(row["text"]))
        counts[row["category"]][1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(counts.items())}


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%"


def corpus_table() -> str:
    """The two Markdown tables of docs/phi-screening.md, computed now."""
    recall = recall_by_category()
    fps = false_positives_by_category()
    lines = ["| identifier category | phrasings | caught | recall |", "|---|---:|---:|---:|"]
    lines += [f"| {k} | {n} | {a} | {_pct(a, n)} |" for k, (a, n) in recall.items()]
    caught = sum(a for a, _ in recall.values())
    lines.append(f"| **all** | {len(IDENTIFIERS)} | {caught} | {_pct(caught, len(IDENTIFIERS))} |")
    lines += [
        "",
        "| clean text category | texts | flagged | false positives |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {k} | {n} | {a} | {_pct(a, n)} |" for k, (a, n) in fps.items()]
    flagged = sum(a for a, _ in fps.values())
    lines.append(f"| **all** | {len(CLEAN)} | {flagged} | {_pct(flagged, len(CLEAN))} |")
    return "\n".join(lines)


def test_the_corpus_is_large_and_well_formed():
    assert len(IDENTIFIERS) >= 300 and len(CLEAN) >= 300
    assert len({row["category"] for row in IDENTIFIERS}) >= 20
    for row in IDENTIFIERS:
        assert row["spans"], row
        for start, end in row["spans"]:
            assert 0 <= start < end <= len(row["text"]), row
    texts = [row["text"] for row in IDENTIFIERS + CLEAN]
    assert len(texts) == len(set(texts)), "a text is in the corpus twice"


def test_recall_is_at_least_95_percent_overall_and_90_in_every_category():
    recall = recall_by_category()
    report = "\n" + corpus_table()
    caught = sum(a for a, _ in recall.values())
    assert caught / len(IDENTIFIERS) >= 0.95, report
    weak = {k: f"{a}/{n}" for k, (a, n) in recall.items() if a / n < 0.90}
    assert not weak, f"categories under 90% recall: {weak}{report}"


def test_false_positives_are_at_most_5_percent_overall_and_10_in_every_category():
    fps = false_positives_by_category()
    report = "\n" + corpus_table()
    flagged = sum(a for a, _ in fps.values())
    assert flagged / len(CLEAN) <= 0.05, report
    noisy = {k: f"{a}/{n}" for k, (a, n) in fps.items() if a / n > 0.10}
    assert not noisy, f"clean categories over 10% flagged: {noisy}{report}"


@pytest.mark.parametrize("row", [r for r in IDENTIFIERS if r["category"] == "name"][:5])
def test_the_span_found_is_the_name_not_the_sentence(row):
    (start, end) = row["spans"][0]
    [hit] = [h for h in identifier_spans(row["text"]) if h.kind == "name"]
    assert hit.end - hit.start <= end - start + 20


def test_the_docs_carry_the_figures_the_corpus_gives_today():
    assert corpus_table() in DOCS.read_text(encoding="utf-8"), (
        "docs/phi-screening.md is out of date; the tables are now:\n" + corpus_table()
    )
