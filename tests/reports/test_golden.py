"""Golden files for the Markdown and terminal (rich, 100 columns) renderings.

Regenerate after an intended change with ``CODEBENCH_UPDATE_GOLDEN=1 pytest
tests/reports/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from codebench.project import Project
from codebench.reports import by_attribute, coding_progress, cooccurrence, frequencies, quotes
from codebench.reports.render_markdown import markdown
from codebench.reports.render_rich import render_text

GOLDEN = Path(__file__).parent / "golden"

REPORTS: dict[str, Callable[[Project], Any]] = {
    "frequencies": lambda p: frequencies(p),
    "by-role": lambda p: by_attribute(p, "role"),
    "cooccurrence-jaccard": lambda p: cooccurrence(p, normalise="jaccard"),
    "quotes-12-context": lambda p: quotes(p, ["12"], context=True),
    "progress": lambda p: coding_progress(p),
}


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("CODEBENCH_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path.name}; run with CODEBENCH_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), (
        f"{path.name} differs; run with CODEBENCH_UPDATE_GOLDEN=1 and review"
    )


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_markdown_golden(small: Project, name: str) -> None:
    check(f"{name}.md", markdown(REPORTS[name](small)))


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_rich_text_golden(small: Project, name: str) -> None:
    check(f"{name}.txt", render_text(REPORTS[name](small), width=100))


def test_frequencies_without_rollup_golden(small: Project) -> None:
    check("frequencies-no-rollup.md", markdown(frequencies(small), rollup=False))
