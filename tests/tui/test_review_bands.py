"""The review screen and the CLI read a code's agreement with the same words, each named by its scale.

The codes below give code 10 an alpha of 0.627 and a Cohen's kappa of 0.619 (two coders, 24
segments): "unreliable" on Krippendorff's scale for alpha, "substantial" on Landis & Koch's for
kappa. The review table once showed the first word under "Agreement" while the CLI showed the
second under "Landis–Koch", so the same code read as unreliable in one and substantial in the
other. Now each word sits under its coefficient's band heading, with the same scale legend, on
every surface; the assertions are on rendered text.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from codebench.cli import cli
from codebench.models import Coder
from codebench.project import Project
from codebench.tui.screens.review import ReviewScreen

TRANSCRIPTS = ("t1", "t2", "t3", "t4")  # 6 codable segments each: 1-4, 6, 7


class _Host(App[None]):
    def __init__(self, project: Project, coder: Coder) -> None:
        super().__init__()
        self.review = ReviewScreen(project, coder)

    def on_mount(self) -> None:
        self.push_screen(self.review)


def _rendered(renderable: object) -> str:
    console = Console(file=io.StringIO(), width=200, record=True)
    console.print(renderable)
    return console.export_text()


def test_review_and_cli_give_the_same_band_words_under_the_same_scales(
    project: Project, write_interview: Callable[..., Path], run_headless: Callable[..., _Host]
) -> None:
    assert project.import_files([write_interview(t, tag=t) for t in TRANSCRIPTS]).ok
    project.code_segments("alice", "t1", [1, 2, 3], "10")
    project.code_segments("bob", "t1", [2, 3], "10")
    project.code_segments("bob", "t2", [1], "10")
    for coder in ("alice", "bob"):
        for t in TRANSCRIPTS:
            project.set_status(coder, t, "done")
    pat = project.coder("pat", create=True)

    def cli_output(*args: str) -> str:
        result = CliRunner().invoke(
            cli, ["-p", str(project.path), "agreement", "--bootstrap", "0", *args]
        )
        assert result.exit_code == 0, result.output
        return result.output

    entry = next(
        c for c in json.loads(cli_output("--format", "json"))["codes"] if c["number"] == "10"
    )
    alpha_word, kappa_word = entry["bands"]["krippendorff"], entry["bands"]["landis_koch"]
    assert (alpha_word, kappa_word) == ("unreliable", "substantial")  # the case of the report

    terminal = cli_output()
    row = next(line for line in terminal.splitlines() if line.lstrip().startswith("10 "))
    assert alpha_word in row and kappa_word in row
    assert row.index(alpha_word) < row.index(kappa_word)  # α's band first, as in the headings
    legend = [line for line in terminal.splitlines() if " band, " in line]
    assert [line.split(":")[0] for line in legend] == [
        "α band, Krippendorff 2004",
        "κ band, Landis & Koch 1977",
    ]

    seen: dict[str, str] = {}

    async def script(app: _Host, pilot: Pilot) -> None:
        table = app.review.query_one("#review-table", DataTable)
        headings = [str(c.label) for c in table.columns.values()]
        cells = [str(c) for c in table.get_row(str(project.code("10").id))]
        seen.update(zip(headings, cells))
        seen["legend"] = _rendered(app.review.query_one("#review-legend", Static).content)

    run_headless(lambda: _Host(project, pat), script, size=(150, 45), wait_for_workers=True)
    assert seen["α band"] == alpha_word
    assert seen["κ band"] == kappa_word
    assert seen["n"] == str(entry["krippendorff_alpha"]["n"]) == "24"  # the n behind the figures
    assert "Agreement" not in seen  # no band column without its coefficient's name
    for line in legend:
        assert line.strip() in seen["legend"]
