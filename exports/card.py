"""manifest.json and the Hugging Face dataset card (README.md) that travel with every export."""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

import yaml
from django.utils import timezone

from .models import DatasetFormat, Export

DESCRIPTIONS = {
    DatasetFormat.SFT: (
        "Chat conversations ending with the physician-approved answer: the adjudicated answer "
        "where a lead physician adjudicated, else the consensus correction, else the model's "
        "original answer where physicians accepted it. Rejected answers are left out."
    ),
    DatasetFormat.PREFERENCE: (
        "Preference pairs for DPO-style training: the conversation (`prompt`), the physician-"
        "corrected answer (`chosen`) and the model's original answer (`rejected`), for every "
        "sample physicians corrected."
    ),
    DatasetFormat.GRADED: (
        "Each sample with the model's answer, every rubric criterion's consensus value, the "
        "share of physicians who gave it (`confidence`) and the share of physician pairs who "
        "agree (`agreement`), and a HealthBench-style `score`: points of the points-criteria "
        "met over the maximum positive points, clipped to [0, 1]."
    ),
    DatasetFormat.COMPARISON: (
        "Physicians' side-by-side judgments of 2-4 model responses to one conversation, one row "
        "per judgment: the preferred response (or a tie), the choice on each axis, an optional "
        "ranking, the rationale and the order the responses were shown in (`shown_order`)."
    ),
}
COMPARISON_PREFERENCE = (
    "Preference pairs for DPO-style training from physicians' side-by-side judgments: for each "
    "conversation (`prompt`), every (`chosen`, `rejected`) pair of model responses the "
    "physicians' consensus ranking implies, with `margin`, the share of physicians who put "
    "`chosen` above `rejected`, and the same share per axis (`axes`)."
)


@functools.cache
def code_version() -> str:
    if os.environ.get("ROUNDS_CODE_VERSION"):
        return os.environ["ROUNDS_CODE_VERSION"]
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


RELIABILITY_KEYS = ("alpha", "ci_low", "ci_high", "observed_agreement", "fleiss_kappa", "n_items")


def _figures_of(block: dict) -> dict:
    """One item's whole-project figures: the report keeps them under `overall`."""
    overall = block.get("overall")
    source = overall if isinstance(overall, dict) else block
    return {k: source.get(k) for k in RELIABILITY_KEYS if k in source}


def _reliability(report) -> dict | None:
    """The project's latest agreement report, reduced to the figures a card shows.

    The report stores its criteria as a list of entries (key, label, level, `overall` figures,
    and the same per specialty and cohort); the verdict is one such entry."""
    if report is None:
        return None
    figures = report.figures or {}
    criteria = figures.get("criteria") or {}
    if isinstance(criteria, list):
        criteria = {c.get("key", str(i)): c for i, c in enumerate(criteria)}
    items = {key: block for key, block in criteria.items() if isinstance(block, dict)}
    if isinstance(figures.get("verdict"), dict):
        items["verdict"] = figures["verdict"]
    return {
        "report": report.pk,
        "computed_at": report.created_at.isoformat(),
        "method": report.method,
        "settled": report.settled,
        "sent_to_adjudication": report.sent_to_adjudication,
        "items": {
            key: {
                "label": block.get("label") or ("Verdict" if key == "verdict" else key),
                "level": block.get("level"),
                **_figures_of(block),
            }
            for key, block in items.items()
        },
    }


def manifest_build(
    *, export: Export, files: list[dict], row_count: int, stats: dict, agreement_report=None
) -> dict:
    rubric = export.project.rubric
    return {
        "reliability": _reliability(agreement_report),
        "export": {
            "id": export.pk,
            "project": export.project.slug,
            "version": export.version,
            "format": export.format,
            "file_format": export.file_format,
        },
        "spec": export.spec,
        "as_of": export.created_at.isoformat(),
        "built_at": timezone.now().isoformat(),
        "code_version": code_version(),
        "rubric": {
            "family": rubric.family,
            "version": rubric.version,
            "criteria": [
                {"key": c.key, "kind": c.kind, "points": c.points}
                for c in rubric.criteria.order_by("position")
            ],
        },
        "rows": row_count,
        "files": files,
        "counts": stats,
        "reviewer_ids": (
            "HMAC-SHA256 pseudonyms keyed by a server secret and this spec: stable within the "
            "export, unlinkable to names, e-mails or other specs' exports."
        ),
    }


def _size_category(rows: int) -> str:
    for limit, label in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
    ):
        if rows < limit:
            return label
    return "10M<n<100M"


def _num(value) -> str:
    return f"{value:.3f}" if isinstance(value, int | float) else "–"


def card_render(*, export: Export, manifest: dict) -> str:
    """A README.md in the Hugging Face dataset card format; `datasets` reads its configs."""
    files = manifest["files"]
    front = {
        "pretty_name": f"{export.project.name} ({export.format}, v{export.version})",
        "language": ["en"],
        "license": "other",
        "tags": ["medical", "physician-reviewed", export.format],
        "task_categories": ["text-generation"],
        "size_categories": [_size_category(manifest["rows"])],
        "configs": [
            {
                "config_name": "default",
                "data_files": [{"split": f["split"], "path": f["path"]} for f in files],
            }
        ],
    }
    counts = manifest["counts"]
    lines = [
        "---",
        yaml.safe_dump(front, sort_keys=False).rstrip(),
        "---",
        "",
        f"# {export.project.name}: {export.format} export v{export.version}",
        "",
        COMPARISON_PREFERENCE
        if export.project.is_comparison and export.format == DatasetFormat.PREFERENCE
        else DESCRIPTIONS[export.format],
        "",
        "## Files",
        "",
        "| split | file | rows | bytes | SHA-256 |",
        "|---|---|---:|---:|---|",
    ]
    lines += [
        f"| {f['split']} | `{f['path']}` | {f['rows']:,} | {f['bytes']:,} | `{f['sha256']}` |"
        for f in files
    ]
    lines += ["", "## Rows per specialty", "", "| split | specialty | rows |", "|---|---|---:|"]
    for split, by_specialty in counts["by_specialty"].items():
        lines += [f"| {split} | {name} | {n:,} |" for name, n in by_specialty.items()]
    lines += ["", "## Verdict mix", "", "| final verdict | rows |", "|---|---:|"]
    lines += [f"| {v} | {n:,} |" for v, n in counts["verdicts"].items()]
    if counts["answer_sources"]:
        lines += ["", "## Where the answers come from", "", "| source | rows |", "|---|---:|"]
        lines += [f"| {s} | {n:,} |" for s, n in counts["answer_sources"].items()]
    if counts["agreement"]:
        lines += [
            "",
            "## Physician agreement",
            "",
            "| criterion | mean pairwise agreement | mean consensus confidence | samples |",
            "|---|---:|---:|---:|",
        ]
        lines += [
            f"| {key} | {a['mean_pairwise_agreement']:.3f} | "
            f"{a['mean_consensus_confidence']:.3f} | {a['samples']:,} |"
            for key, a in counts["agreement"].items()
        ]
    if counts.get("comparison"):
        lines += comparison_lines(counts["comparison"])
    reliability = manifest.get("reliability")
    if reliability and reliability["items"]:
        lines += [
            "",
            "## Inter-rater reliability (whole project)",
            "",
            f"From the agreement report of {reliability['computed_at']} "
            f"(consensus by {reliability['method']}).",
            "",
            "| item | level | Krippendorff's alpha | 95% CI | observed agreement | Fleiss' kappa "
            "| samples |",
            "|---|---|---:|---|---:|---:|---:|",
        ]
        for key, f in reliability["items"].items():
            ci = (
                f"{f['ci_low']:.3f}–{f['ci_high']:.3f}"
                if f.get("ci_low") is not None and f.get("ci_high") is not None
                else "–"
            )
            n_items = f.get("n_items")
            lines.append(
                f"| {key} | {f.get('level') or '–'} | {_num(f.get('alpha'))} | {ci} "
                f"| {_num(f.get('observed_agreement'))} | {_num(f.get('fleiss_kappa'))} "
                f"| {n_items if isinstance(n_items, int) else '–'} |"
            )
    rubric = manifest["rubric"]
    filters = manifest["spec"]["filters"]
    lines += [
        "",
        "## How the data was made",
        "",
        f"Model answers to health questions were routed to physicians of the sample's specialty. "
        f"Each physician graded the answer on the rubric `{rubric['family']}` version "
        f"{rubric['version']} ({len(rubric['criteria'])} criteria), gave a verdict (accept, revise "
        "or reject) and corrected the answer where needed. A sample settles when physicians "
        "reach consensus or a lead physician adjudicates it. Model graders never count toward "
        "consensus and never appear among the reviewers. Quarantined samples are never exported.",
        "",
        f"Selection: {'settled samples only' if filters['settled_only'] else 'all samples'}, "
        f"as of {manifest['as_of']}; gold items: {filters['gold']}"
        + (f"; verdicts: {', '.join(filters['verdicts'])}" if filters["verdicts"] else "")
        + (f"; specialties: {', '.join(filters['specialties'])}" if filters["specialties"] else "")
        + (f"; settled from {filters['settled_from']}" if filters["settled_from"] else "")
        + (f"; settled to {filters['settled_to']}" if filters["settled_to"] else "")
        + (
            f"; minimum consensus confidence {filters['min_confidence']}"
            if filters["min_confidence"] is not None
            else ""
        )
        + (
            f"; minimum pairwise agreement {filters['min_agreement']}"
            if filters["min_agreement"] is not None
            else ""
        )
        + ".",
        "",
        f"Reviewer ids are pseudonyms: {manifest['reviewer_ids']}",
        "",
        f"Built by Rounds {manifest['code_version']} at {manifest['built_at']}; the files never "
        "change after they are built (verify them against `manifest.json`).",
        "",
    ]
    split = manifest["spec"]["split"]
    if split:
        lines.insert(
            lines.index("## Rows per specialty"),
            f"Validation split: {split['validation']:.0%} of each specialty, drawn with seed "
            f"{split['seed']}.\n",
        )
    return "\n".join(lines)


def comparison_lines(figures: dict) -> list[str]:
    """Agreement, position bias and model strengths of a comparison project, for the card."""
    lines = [
        "",
        f"## Physician agreement ({figures['judgments']:,} judgments, whole project)",
        "",
        "| question | Krippendorff's alpha (nominal) | 95% CI | unanimous samples |",
        "|---|---:|---|---:|",
    ]
    for key, f in figures["agreement"].items():
        ci = (
            f"{f['ci_low']:.3f}–{f['ci_high']:.3f}"
            if f.get("ci_low") is not None and f.get("ci_high") is not None
            else "–"
        )
        lines.append(
            f"| {key} | {_num(f.get('alpha'))} | {ci} | {_num(f.get('unanimous_share'))} |"
        )
    bias = figures["position_bias"]
    if bias["n"]:
        lines += [
            "",
            "## Position bias",
            "",
            f"The response shown first was preferred in {bias['first_shown_wins']:.1%} of "
            f"{bias['n']:,} judgments with a preference (95% Wilson interval "
            f"{bias['ci_low']:.1%}–{bias['ci_high']:.1%}; chance: {bias['chance']:.1%}). "
            "Each physician saw the responses in an order of their own, drawn at random.",
        ]
    if figures["models"]:
        lines += [
            "",
            "## Model strengths (Bradley-Terry, log scale, mean zero)",
            "",
            "| model | strength | 95% CI | pairwise comparisons |",
            "|---|---:|---|---:|",
        ]
        lines += [
            f"| {m['model']} | {m['strength']:.3f} | {m['ci_low']:.3f}–{m['ci_high']:.3f} "
            f"| {m['comparisons']:,.0f} |"
            for m in figures["models"]
        ]
    return lines
