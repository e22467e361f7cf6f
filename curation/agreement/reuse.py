"""A run whose inputs did not change reuses the arithmetic of the run before it.

The report and the consensus are pure functions of the arranged dataset (reviews as code arrays,
raters' cohorts, samples' specialties, gold references), the rubric's items, the method and the
project's overlap and threshold; the bootstrap has a fixed seed. So a digest of all of it names
the result: when the last finished report of the project was computed from the same digest, its
figures are this run's figures, and its consensus labels, if still as it left them, are this
run's labels, so nothing needs computing or writing.

Two more conditions keep the shortcut exact: no sample is waiting to be settled (a sample released
from quarantine is complete without any review changing), and the stored labels are as many as
that run left them (their fingerprint). Anything else runs the whole job.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from curation.agreement.stats.report import Dataset, Item
from curation.agreement.store import labels_fingerprint
from curation.models import AgreementReport, Project
from curation.reviewing.lifecycle import samples_to_decide

DIGEST_KEY = "input_digest"
SPECIALTY_KEY = "specialty_digest"
LABELS_KEY = "labels_fingerprint"


def _shape(project: Project, items: list[Item], dataset: Dataset) -> bytes:
    return json.dumps(
        {
            "items": [[it.key, it.kind, it.categories] for it in items],
            "method": dataset.method,
            "overlap": project.overlap,
            "threshold": str(project.consensus_threshold),
            "cohorts": dataset.cohorts,
            "n": [dataset.n_samples, dataset.n_raters, dataset.n_boot, dataset.seed],
        },
        default=str,
    ).encode()


def dataset_digest(
    project: Project,
    items: list[Item],
    dataset: Dataset,
    sample_ids: np.ndarray,
    reviewer_ids: np.ndarray,
) -> str:
    """A digest of everything the report and the consensus of `dataset` depend on, but for the
    samples' specialties (read while the consensus runs: `specialty_digest`)."""
    h = hashlib.blake2b(_shape(project, items, dataset), digest_size=16)
    arrays = [
        sample_ids,
        reviewer_ids,
        dataset.sample,
        dataset.rater,
        dataset.codes,
        dataset.is_model,
        dataset.time_ms,
        dataset.day,
        dataset.rater_cohorts,
    ]
    if dataset.gold is not None:
        arrays.append(dataset.gold)
    return _digest(h, arrays)


def specialty_digest(dataset: Dataset) -> str:
    """A digest of the samples' specialties, the report's breakdown by specialty."""
    h = hashlib.blake2b(json.dumps(dataset.specialties).encode(), digest_size=16)
    return _digest(h, [dataset.sample_specialty])


def _digest(h, arrays: list[np.ndarray]) -> str:
    for array in arrays:
        array = np.ascontiguousarray(array)
        h.update(f"{array.dtype.str}{array.shape}".encode())
        if array.size:
            h.update(array.reshape(-1).view(np.uint8))
    return h.hexdigest()


def last_report(project: Project) -> AgreementReport | None:
    return (
        AgreementReport.objects.filter(project=project, status=AgreementReport.Status.DONE)
        .order_by("-finished_at", "-id")
        .first()
    )


def reusable(
    project: Project,
    last: AgreementReport,
    specialties: str,
    stored: tuple[np.ndarray, np.ndarray] | None,
) -> bool:
    """Whether `last` (whose input digest is this run's) can stand for this run."""
    if stored is None:  # the portable path keeps no digests: always the whole job
        return False
    if last.inputs.get(SPECIALTY_KEY) != specialties:
        return False
    if last.inputs.get(LABELS_KEY) != labels_fingerprint(*stored):
        return False
    return not len(samples_to_decide(project))
