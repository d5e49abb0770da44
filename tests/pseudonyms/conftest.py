"""The demo project (the nine sample interviews, coded), built once per test session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from codebench.demo.build import build_demo
from codebench.project import Project


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project file; tests that write copy it first (:func:`demo_copy`)."""
    path = tmp_path_factory.mktemp("demo") / "study.db"
    build_demo(path)
    return path


@pytest.fixture
def demo_copy(demo_file: Path, tmp_path: Path) -> Path:
    """A private copy of the demo project, in this test's folder."""
    path = tmp_path / "study.db"
    shutil.copy(demo_file, path)
    return path


@pytest.fixture
def demo(demo_copy: Path) -> Iterator[Project]:
    """The demo project opened read-only from a private copy."""
    with Project.open(demo_copy, write=False) as project:
        yield project
