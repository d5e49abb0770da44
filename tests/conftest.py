"""Shared fixtures: temporary projects built through the public API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from codebench.codebook.format import default_codebook_path, load_codebook
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


# Segments (ordinal: text) of INTERVIEW; 0 and 5 are interviewer turns (not codable).
#  1 'It was hard.'  2 'We lost two managers.'  3 'But staff morale rose!'   (turn 1)
#  4 'We also started a new clinic.'                                          (turn 1)
#  6 'The council still tells us what to do.'  7 'We fight it every week.'   (turn 3)
INTERVIEW = (
    "Interviewer: How did the spin-out go?\n"
    "Ann Lee: It was hard. We lost two managers. But staff morale rose!\n\n"
    "We also started a new clinic.\n"
    "Interviewer: Anything else?\n"
    "Ann Lee: The council still tells us what to do. We fight it every week.\n"
)


@pytest.fixture
def write_interview(write_transcript: Callable[[str, str | bytes], Path]) -> Callable[..., Path]:
    """Write INTERVIEW as ``<name>.txt`` and return its path.

    The agreement and review-screen tests name segments by the ordinals
    above, so they must code the very same text. ``tag`` makes a copy's text
    distinct (a project refuses two identical transcripts) without moving any
    turn or segment boundary.
    """

    def write(name: str, *, tag: str | None = None) -> Path:
        text = INTERVIEW if tag is None else INTERVIEW.replace("hard", f"hard ({tag})")
        return write_transcript(f"{name}.txt", text)

    return write


@pytest.fixture(autouse=True)
def _no_welcome(monkeypatch: pytest.MonkeyPatch) -> None:
    """The workbench's first-run overlay stays away unless a test asks for it (``welcome=True``)."""
    monkeypatch.setenv("CODEBENCH_NO_WELCOME", "1")
