"""Fixtures for the workbench tests: small deterministic projects, built once and copied."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from textual.app import App
from textual.pilot import Pilot

from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.project import Project

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "transcripts"
#: The two interviews the workbench tests code (a txt and an Otter-style txt).
TUI_TRANSCRIPTS = ("01-riverside-ceo.txt", "05-activelife-director.txt")
CEO = "01-riverside-ceo"


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's coder name or keymap, nor write crash logs in their home."""
    monkeypatch.delenv("CODEBENCH_CODER", raising=False)
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    monkeypatch.setenv("CODEBENCH_CONFIG", str(config))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture(scope="session")
def tui_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with the default codebook and two sample interviews (imported once per run)."""
    path = tmp_path_factory.mktemp("tui-template") / "project.db"
    project = Project.init(path, load_codebook(default_codebook_path()))
    report = project.import_files(
        [SAMPLES / name for name in TUI_TRANSCRIPTS], attributes=SAMPLES / "attributes.csv"
    )
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


@pytest.fixture
def text_project(tmp_path: Path) -> Iterator[Callable[[str, str], Project]]:
    """A factory: a project with the default codebook and one transcript imported from ``text``.

    The screen tests each need one small, hand-written interview whose
    segments they can name by ordinal; building it is the same for all of
    them, and the project is closed when the test ends.
    """
    opened: list[Project] = []

    def make(filename: str, text: str) -> Project:
        project = Project.init(tmp_path / "p.db", load_codebook(default_codebook_path()))
        opened.append(project)
        source = tmp_path / filename
        source.write_text(text, encoding="utf-8")
        project.import_files([source])
        return project

    yield make
    for project in opened:
        project.close()


AppT = TypeVar("AppT", bound=App[None])
#: A test's keyboard script, played against the running app.
Script = Callable[[AppT, Pilot], Awaitable[None]]


@pytest.fixture
def run_headless() -> Callable[..., App[None]]:
    """Build an app in a fresh event loop, run it headless, play a script against it, return the app.

    Shared so every screen test settles the app the same way (no animation,
    a pause before and after the script); ``wait_for_workers`` also lets a
    screen that loads in a worker finish loading before the script starts.
    """

    def run(
        make_app: Callable[[], AppT],
        script: Script[AppT],
        *,
        size: tuple[int, int],
        wait_for_workers: bool = False,
    ) -> AppT:
        async def main() -> AppT:
            app = make_app()
            async with app.run_test(size=size) as pilot:
                app.animation_level = "none"
                await pilot.pause()
                if wait_for_workers:
                    await app.workers.wait_for_complete()
                    await pilot.pause()
                await script(app, pilot)
                await pilot.pause()
            return app

        return asyncio.run(main())

    return run
