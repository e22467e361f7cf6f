"""Build an export in this process, with a progress bar, and copy its files to --out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.errors import DomainError
from curation.models import Project
from exports import storage
from exports.healthbench import KINDS, jsonl_write, rows_of
from exports.models import DatasetFormat, Export
from exports.services import export_build, export_create


class Command(BaseCommand):
    help = (
        "Build a versioned export the same way the background job does, and copy it to --out: "
        "a folder (data files, manifest.json, README.md) or a .jsonl/.parquet file name."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="Project slug.")
        parser.add_argument(
            "--format",
            required=True,
            choices=[*DatasetFormat.values, *KINDS],
            help="healthbench: HealthBench's example lines; rubric_grades: every criterion grade.",
        )
        parser.add_argument("--parquet", action="store_true", help="Parquet instead of JSONL.")
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument(
            "--filters", default="{}", help='JSON, e.g. \'{"verdicts": ["accept"]}\'.'
        )
        parser.add_argument("--validation", type=float, help="Validation share, e.g. 0.1.")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, project: str, format: str, parquet: bool, out: Path, **options):
        target = Project.objects.filter(slug=project).first()
        if target is None:
            raise CommandError(f"--project: no project with slug {project!r}")
        if format in KINDS:
            path = out if out.suffix == ".jsonl" else out / f"{format}.jsonl"
            count, sha256 = jsonl_write(rows_of(format, target), path)
            self.stdout.write(f"{project} {format}: {count:,} rows, sha256 {sha256} -> {path}")
            return
        try:
            filters = json.loads(options["filters"])
        except json.JSONDecodeError as exc:
            raise CommandError(f"--filters: not valid JSON ({exc})")
        split = None
        if options["validation"] is not None:
            split = {"validation": options["validation"], "seed": options["seed"]}
        try:
            export = export_create(
                actor=None,
                project=target,
                format=format,
                file_format="parquet" if parquet else "jsonl",
                filters=filters,
                split=split,
                enqueue=False,
            )
        except DomainError as exc:
            raise CommandError("; ".join(str(d) for d in exc.details))

        bar = tqdm(desc=f"{project} v{export.version} {format}", unit=" rows", unit_scale=True)

        def progress(done: int, total: int | None) -> None:
            if total is not None and bar.total != total:
                bar.total = total
            bar.update(done - bar.n)

        export = export_build(export_id=export.pk, progress=progress)
        bar.close()
        if export.status != Export.Status.DONE:
            raise CommandError(f"export {export.pk} failed: {export.error}")
        self._copy(export, out)
        self.stdout.write(
            f"{project} v{export.version} {format}: {export.row_count:,} rows, "
            f"{export.byte_size:,} bytes, sha256 {export.sha256} -> {out}"
        )

    def _copy(self, export: Export, out: Path) -> None:
        names = [f["path"] for f in export.files]
        if out.suffix in (".jsonl", ".parquet"):
            out.parent.mkdir(parents=True, exist_ok=True)
            sources = [(names[0], out)]
        else:
            out.mkdir(parents=True, exist_ok=True)
            sources = [(n, out / n) for n in [*names, "manifest.json", "README.md"]]
        for name, destination in sources:
            with (
                storage.open_file(prefix=export.storage_prefix, name=name) as src,
                open(destination, "wb") as dst,
            ):
                shutil.copyfileobj(src, dst, 1024 * 1024)
