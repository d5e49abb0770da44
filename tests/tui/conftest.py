"""Fixtures for the workbench tests: small deterministic projects, built once and copied."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from codebench.codebook import default_codebook_path, load_codebook
from codebench.project import Project

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "transcripts"
#: The two interviews the workbench tests code (a txt and an Otter-style txt).
TUI_TRANSCRIPTS = ("01-riverside-ceo.txt", "05-activelife-director.txt")
CEO = "01-riverside-ceo"


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's coder name or keymap."""
    monkeypatch.delenv("CODEBENCH_CODER", raising=False)
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    monkeypatch.setenv("CODEBENCH_CONFIG", str(config))


@pytest.fixture(scope="session")
def tui_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with the default codebook and two sample interviews (imported once per run)."""
    path = tmp_path_factory.mktemp("tui-template") / "project.db"
    project = Project.init(path, load_codebook(default_codebook_path()))
    report = project.import_files([SAMPLES / name for name in TUI_TRANSCRIPTS], attributes=SAMPLES / "attributes.csv")
    assert report.ok, report.failed
    project.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    project.close()
    return path


@pytest.fixture
def tui_path(tui_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the template project for one test."""
    target = tmp_path / "project.db"
    shutil.copy(tui_template, target)
    return target


@pytest.fixture
def tui_project(tui_path: Path) -> Iterator[Project]:
    project = Project.open(tui_path)
    yield project
    project.close()
