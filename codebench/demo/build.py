"""Building the demo project from the bundled codebook, interviews and codings."""

from __future__ import annotations

from pathlib import Path

from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.demo.files import demo_attributes, demo_codings, demo_transcripts
from codebench.errors import CodebenchError
from codebench.store.connection import checkpoint


def build_demo(path: Path) -> bool:
    """Create the demo project at ``path`` unless it exists; returns whether it was built.

    Built into a temporary file and renamed into place, so an interrupted
    build never leaves a half demo that later runs would trust.
    """
    from codebench.coding.csv_import import import_codings_csv
    from codebench.project import Project

    if path.exists():
        return False
    tmp = path.with_name(f".{path.name}.building")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    project = Project.init(tmp, load_codebook(default_codebook_path()))
    try:
        report = project.import_files(demo_transcripts(), attributes=demo_attributes())
        if report.failed:
            raise CodebenchError(
                "demo transcripts failed to import: " + "; ".join(m for _, m in report.failed)
            )
        for csv_path in demo_codings():
            import_codings_csv(project, csv_path)
        _mark_done(project)
        checkpoint(project.db, truncate=True)
    finally:
        project.close()
    tmp.replace(path)
    return True


def _mark_done(project: object) -> None:
    """Mark each coder's status as ``done.csv`` lists it (``status``: done unless it says
    ``in-progress``): the transcripts a coder has finished, and those still being coded."""
    from codebench.demo.files import data_dir

    done_file = data_dir("transcripts") / "codings" / "done.csv"
    if not done_file.exists():
        return
    import csv

    with done_file.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            status = (row.get("status") or "done").strip()
            project.set_status(row["coder"], row["transcript"], status)  # type: ignore[attr-defined]
