"""Shared fixtures: temporary projects built through the public API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codebench.codebook import default_codebook_path, load_codebook
from codebench.project import Project

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "transcripts"


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    """An empty project with the default 21-node codebook."""
    p = Project.init(tmp_path / "project.db", load_codebook(default_codebook_path()))
    yield p
    p.close()


@pytest.fixture
def write_transcript(tmp_path: Path):
    """Write a small transcript file into tmp_path and return its path."""

    def write(name: str, text: str | bytes) -> Path:
        path = tmp_path / "in" / name
        path.parent.mkdir(exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def interview(project: Project, write_transcript) -> Project:
    """The project with one short interview imported (``int1``)."""
    path = write_transcript(
        "int1.txt",
        "Interviewer: How did the spin-out go?\n"
        "Ann Lee: It was hard. We lost two managers. But staff morale rose!\n\n"
        "We also started a new clinic.\n"
        "Interviewer: Anything else?\n"
        "Ann Lee: The council still tells us what to do.\n",
    )
    report = project.import_files([path])
    assert report.ok, report.failed
    return project
