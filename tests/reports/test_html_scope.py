"""The whole report's agreement section and its left-out notes follow the report's scope.

The small project (tests/reports/conftest.py): alice and bob both marked
int1 and int2 done (int3: bob in progress), so agreement compares int1
(codable segments 1, 2, 3, 5, 6) and int2 (1, 2, 3, 4). On code 08 alice
coded int1/2 and int1/3, bob int1/2 and int2/1, so by hand:

- every transcript: 9 segments, they agree on 7 (not int1/3, int2/1): 7/9;
- --where role=manager (int1, int3; only int1 compared): 4 of 5 agree: 0.8;
- --where role=staff (int2): 3 of 4 agree: 0.75.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.project import Project
from codebench.reports.compute import compute_report


def whole(project: Project, **scope: list[str]) -> object:
    return compute_report(
        project,
        "html",
        coders=None,
        attributes=[],
        presence=False,
        normalise=None,
        codes=[],
        context=False,
        subcodes=True,
        rollup=True,
        **scope,
    )


def agreement_on_08(report: object) -> tuple[float, list[str]]:
    part = report.agreement  # type: ignore[attr-defined]
    assert part.report is not None, part.notes
    code = next(c for c in part.report["codes"] if c["number"] == "08")
    return code["percent_agreement"]["value"], part.report["transcripts"]["compared"]


@pytest.mark.parametrize(
    ("where", "expected", "compared"),
    [
        ([], 7 / 9, ["int1", "int2"]),
        (["role=manager"], 0.8, ["int1"]),
        (["role=staff"], 0.75, ["int2"]),
    ],
)
def test_agreement_is_computed_on_the_scope(
    small: Project, where: list[str], expected: float, compared: list[str]
) -> None:
    value, names = agreement_on_08(whole(small, where=where))
    assert value == pytest.approx(expected)
    assert names == compared


def test_the_section_says_which_scope(small: Project) -> None:
    scoped = whole(small, where=["role=staff"]).agreement  # type: ignore[attr-defined]
    assert scoped.notes == [
        "Agreement is computed on the report's scope only. Scope: role=staff (1 transcript)."
    ]
    tables = scoped.reading_tables()
    assert tables[0].notes[0] == scoped.notes[0]
    assert whole(small).agreement.notes == []  # type: ignore[attr-defined]
    by_speaker = whole(small, speakers=["Ann Lee"]).agreement  # type: ignore[attr-defined]
    assert "The speaker scope does not narrow it" in by_speaker.notes[0]
    value, names = agreement_on_08(whole(small, speakers=["Ann Lee"]))
    assert (value, names) == (pytest.approx(7 / 9), ["int1", "int2"])


def test_the_page_shows_the_scope_and_the_left_out_command_carries_it(
    small_path: Path, tmp_path: Path
) -> None:
    page = tmp_path / "r.html"
    result = CliRunner().invoke(
        cli,
        [
            "-p",
            str(small_path),
            "report",
            "html",
            "--where",
            "organisation=Riverside",
            "-o",
            str(page),
        ],
    )
    assert result.exit_code == 0, result.output
    text = page.read_text(encoding="utf-8")
    section = text[text.index('id="agreement"') :]
    assert "Agreement is computed on the report&#x27;s scope only." in section or (
        "Agreement is computed on the report's scope only." in section
    )
    assert "Scope: organisation=Riverside (2 transcripts)." in section
    # int1 and int2 each have their own role: the table is left out, and the
    # command suggested for it counts the same two transcripts
    assert "codebench report by-attribute --attribute role --where organisation=Riverside" in text


def test_under_a_round_the_figures_are_the_rounds(small: Project) -> None:
    from codebench.design.rounds import start_round
    from codebench.design.sample import draw_sample

    draw_sample(small, 1.0, ["alice", "bob"], seed=3, name="s1", by="alice")
    start_round(small, "pilot", sample="s1", by="alice")
    # the round's sample is every transcript, so its figures are the project's: 7/9
    part = whole(small, round_ref="pilot").agreement  # type: ignore[attr-defined]
    assert part.notes[0].startswith("Agreement is computed on the report's scope only. Round ")
    assert agreement_on_08(whole(small, round_ref="pilot")) == (
        pytest.approx(7 / 9),
        ["int1", "int2"],
    )
    # the round and a --where: only int2 of its sample, by its coders: 3/4
    scoped = whole(small, round_ref="pilot", where=["role=staff"])
    assert agreement_on_08(scoped) == (pytest.approx(0.75), ["int2"])
    assert "Scope: role=staff (1 transcript)." in scoped.agreement.notes[0]  # type: ignore[attr-defined]
