"""The whole HTML report: its agreement section, near-empty tables left out, the readable heat map.

The small project (tests/reports/conftest.py): alice and bob are both done
with int1 and int2, so agreement is computed there. Co-occurrence counts:
08 and 12 are coded on 3 segments each, 05.2 and 11 on 2; every pair that
co-occurs shares exactly 1 segment, so with counts the heaviest
off-diagonal cell is 1 (the diagonal's 3 must not set the scale).
"""

from __future__ import annotations

import re
from pathlib import Path

from codebench.agreement.report import agreement_report
from codebench.project import Project
from codebench.reports import cooccurrence, full_report
from codebench.reports.agreement_part import REPLICATES, SEED, agreement_part
from codebench.reports.full import MAX_GROUPS, near_empty, why_not_grouping
from codebench.reports.render_html import cooccurrence_heat_map, html_document
from codebench.reports.svg import DIAGONAL_FILL


def section(page: str, anchor: str) -> str:
    start = page.index(f'<section id="{anchor}">')
    return page[start : page.index("</section>", start)]


def test_agreement_section_shows_the_librarys_alpha_with_interval_and_rule(small: Project) -> None:
    page = html_document(
        full_report(small, generated="2025-01-01", agreement=agreement_part(small, None))
    )
    assert '<a href="#agreement">Inter-coder agreement</a>' in page
    part = section(page, "agreement")
    expected = agreement_report(small, bootstrap=REPLICATES, seed=SEED)
    entry = next(e for e in expected["codes"] if e["number"] == "08")
    alpha = entry["krippendorff_alpha"]
    assert alpha["value"] is not None and alpha["ci"] is not None
    shown = f"{alpha['value']:.3f} [{alpha['ci']['low']:.2f}, {alpha['ci']['high']:.2f}]"
    row = next(r for r in re.findall(r"<tr>.*?</tr>", part) if ">08 Staff engagement" in r)
    assert shown in row
    assert f'<td class="num">{entry["pairable_units"]}</td>' in row  # n: the units compared
    # The rule used: who, which unit, the overlap rule and the bootstrap.
    assert "Coders: alice, bob. Unit: segment" in part and "--min-overlap" in part
    assert f"(seed {SEED})" in part


def test_no_double_coding_is_said_plainly(small: Project) -> None:
    page = html_document(
        full_report(
            small, ["alice"], generated="2025-01-01", agreement=agreement_part(small, ["alice"])
        )
    )
    part = section(page, "agreement")
    assert "No agreement figures: agreement needs at least 2 coders" in part
    assert "<table" not in part


def test_near_empty_by_attribute_tables_are_left_out_and_named(
    small: Project, write_transcript
) -> None:
    # Three more transcripts, started by alice but uncoded, each its own site:
    # sites a (int1, int2), b (int3), c, d, e. Counted with sub-codes rolled up,
    # 12 codes are coded anywhere (the 8 applied and parents 04, 05, 13, 14);
    # site a holds all 12 and b holds 1 (11): 13 of 60 cells, under a quarter.
    paths = [write_transcript(f"int{n}.txt", f"Dee Fox: Item {n} is here.\n") for n in (4, 5, 6)]
    assert small.import_files(paths).ok
    for name, site in (("int1", "a"), ("int2", "a"), ("int3", "b")):
        small.set_attributes(name, {"site": site})
    for n, site in ((4, "c"), (5, "d"), (6, "e")):
        small.set_attributes(f"int{n}", {"site": site})
        small.set_status("alice", f"int{n}", "in-progress")
    report = full_report(small, generated="2025-01-01")
    assert "site" not in [g.attribute for g in report.by_attribute]
    assert "role" in [g.attribute for g in report.by_attribute]
    page = html_document(report)
    assert "Codes by site is left out: 13 of its 60 cells" in page
    assert 'id="by-attribute-site"' not in page
    # Asked for by name, it is shown all the same.
    asked = full_report(small, attributes=["site"], generated="2025-01-01")
    assert [g.attribute for g in asked.by_attribute] == ["site"]
    assert near_empty(asked.by_attribute[0]) is not None
    assert all(near_empty(g) is None for g in full_report(small).by_attribute)


def test_attributes_that_do_not_group_are_left_out_with_why(small: Project) -> None:
    # int1, int2, int3 are in scope. A date per interview groups nothing (each
    # group would be one transcript); a country all three share compares nothing.
    for name, date in (("int1", "2025-03-14"), ("int2", "2025-03-18"), ("int3", "2025-04-02")):
        small.set_attributes(name, {"interview_date": date, "country": "UK"})
    report = full_report(small, generated="2025-01-01")
    shown = [g.attribute for g in report.by_attribute]
    assert "interview_date" not in shown and "country" not in shown
    assert "role" in shown and "organisation" in shown
    page = html_document(report)
    assert (
        "Codes by interview_date is left out: each of the 3 transcripts in scope has its own"
        " value; export it with `codebench report by-attribute --attribute interview_date`."
    ) in page
    assert "Codes by country is left out: all 3 transcripts in scope have the same value" in page
    assert 'id="by-attribute-interview_date"' not in page
    assert 'id="by-attribute-country"' not in page
    # Every attribute of the transcripts is either a table or a note.
    for key in ("interview_date", "country", "role", "organisation"):
        assert (f'id="by-attribute-{key}"' in page) != (f"Codes by {key} is left out" in page)


def test_why_an_attribute_does_not_group() -> None:
    assert why_not_grouping(2, 3) is None
    assert why_not_grouping(MAX_GROUPS, MAX_GROUPS + 1) is None
    assert why_not_grouping(MAX_GROUPS + 1, 40) == (
        f"it has {MAX_GROUPS + 1} distinct values, more than the {MAX_GROUPS} a table groups by"
    )
    assert why_not_grouping(1, 5) == "all 5 transcripts in scope have the same value"
    assert why_not_grouping(5, 5) == "each of the 5 transcripts in scope has its own value"
    assert why_not_grouping(1, 1) == "only 1 transcript is in scope"


def test_heat_map_greys_the_diagonal_and_scales_from_the_rest(small: Project) -> None:
    svg = cooccurrence_heat_map(cooccurrence(small))
    cells = re.findall(r'<title>([^<]*)</title><rect [^>]*fill="([^"]+)"', svg)
    own = {tip: fill for tip, fill in cells if "own frequency" in tip}
    assert own["08 Staff engagement, voice and morale: 3 segments (its own frequency)"] == (
        DIAGONAL_FILL
    )
    assert len(own) == 8 and set(own.values()) == {DIAGONAL_FILL}
    # 08 × 04.1 share 1 segment, the largest off the diagonal: the full shade.
    pair = next(f for t, f in cells if t.startswith("08 Staff") and "× 04.1" in t)
    assert pair == "rgba(78, 121, 167, 0.88)"
    assert "largest value off the diagonal (1)" in svg


def test_full_page_cooccurrence_table_keeps_the_diagonal_apart(
    small: Project, tmp_path: Path
) -> None:
    page = html_document(full_report(small, generated="2025-01-01"))
    part = section(page, "cooccurrence")
    assert '<th class="num" scope="col">Freq.</th>' in part
    row = next(r for r in re.findall(r"<tr>.*?</tr>", part) if "<td>08</td>" in r)
    # 08's own frequency (3) greyed in its column; its diagonal cell blank and greyed.
    assert '<td class="num" style="background-color: #eaeef2">3</td>' in row
    assert '<td class="num" style="background-color: #eaeef2">–</td>' in row


def test_cli_html_report_has_the_agreement_section(small_path: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from codebench.cli import cli

    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["-p", str(small_path), "report", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert '<section id="agreement">' in page
    assert "Agreement per code" in section(page, "agreement")


def test_chart_heat_map_keeps_the_diagonal_off_the_scale(small: Project, monkeypatch) -> None:
    """``report cooccurrence -o x.png``: the diagonal masked (grey), the scale up to 1, not 3."""
    from codebench.reports import render_charts

    report = cooccurrence(small)
    made = []
    original = render_charts._heatmap

    def spy(*args, **kwargs):
        made.append(original(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(render_charts, "_heatmap", spy)
    png = render_charts.chart_bytes(report, "png")
    assert png[:4] == b"\x89PNG"
    image = made[0].axes[0].images[0]
    data = image.get_array()
    assert all(data.mask[i][i] for i in range(data.shape[0]))
    assert image.norm.vmax == 1.0  # the heaviest pair; the diagonal's 3 left out
    texts = [t.get_text() for t in made[0].axes[0].texts]
    assert texts.count("3") == 2  # 08's and 12's own frequency, written on the diagonal
