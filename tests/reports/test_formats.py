"""Every file format written, then opened back with the library a reader would use."""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest

from codebench.errors import CodebenchError
from codebench.project import Project
from codebench.reports import (
    by_attribute,
    code_matrix,
    codebook_document,
    coding_progress,
    cooccurrence,
    frequencies,
    full_report,
    quotes,
    writers,
)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# ---------------------------------------------------------------------- XLSX
def test_frequencies_xlsx(small: Project, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "freq.xlsx"
    assert writers.write(frequencies(small), path) == "xlsx"
    book = load_workbook(path)
    assert book.sheetnames == ["Frequencies", "Notes"]
    sheet = book["Frequencies"]
    assert sheet.freeze_panes == "D2"
    header = [c.value for c in sheet[1]]
    assert header == [
        "Code",
        "Name",
        "Level",
        "Segments",
        "Codings",
        "Transcripts",
        "% transcripts",
        "Words",
        "Speakers",
    ]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["08"][:6] == ("08", "Staff engagement, voice and morale", 0, 3, 4, 2)
    assert rows["08"][6] == pytest.approx(0.667)
    assert rows["04"][3:6] == (1, 2, 1)  # rolled up from 04.1
    assert rows["04.1"][2] == 1
    percent_cell = next(c for c in sheet["G"] if c.row > 1)
    assert percent_cell.number_format == "0.0%"
    assert sheet.column_dimensions["B"].width >= 30
    assert sheet.column_dimensions["D"].width >= 8
    assert any("pool 2 coders" in (r[0] or "") for r in book["Notes"].iter_rows(values_only=True))


def test_by_attribute_xlsx_has_a_sheet_per_table(small: Project, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "by-role.xlsx"
    writers.write(by_attribute(small, "role"), path)
    book = load_workbook(path)
    assert book.sheetnames == [
        "By role transcripts",
        "By role percent",
        "By role segments",
        "Notes",
    ]
    sheet = book["By role percent"]
    assert [c.value for c in sheet[1]][3:] == ["manager (n=2)", "staff (n=1)"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["11"][3:] == (1.0, 0.0)
    assert rows["08"][3:] == (0.5, 1.0)
    for name in book.sheetnames[:3]:
        assert book[name].freeze_panes == "D2"


def test_full_report_xlsx_sheet_names_are_valid_and_unique(small: Project, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "all.xlsx"
    writers.write(full_report(small, quote_codes=["12"], generated="2025-01-01"), path)
    names = load_workbook(path).sheetnames
    assert len(names) == len({n.casefold() for n in names})
    assert all(len(n) <= 31 for n in names)
    assert "Quotes" in names and "Progress" in names and "Matrix" in names


# ---------------------------------------------------------------------- CSV
def test_csv_long_and_wide(small: Project, tmp_path: Path) -> None:
    report = frequencies(small)
    writers.write(report, tmp_path / "long.csv")
    rows = read_csv(tmp_path / "long.csv")
    assert list(rows[0]) == ["Code", "Name", "Level", "Counted", "Measure", "Value"]
    got = {(r["Code"], r["Counted"], r["Measure"]): r["Value"] for r in rows}
    assert got[("08", "code", "segments")] == "3"
    assert got[("04", "code", "segments")] == "0"
    assert got[("04", "with sub-codes", "segments")] == "1"
    assert got[("12", "code", "percent")] == "66.7"
    assert (tmp_path / "long.csv").read_bytes().startswith(b"\xef\xbb\xbf")

    writers.write(report, tmp_path / "wide.csv", "csv-wide")
    wide = {r["Code"]: r for r in read_csv(tmp_path / "wide.csv")}
    assert (wide["12"]["Segments"], wide["12"]["Words"], wide["12"]["% transcripts"]) == (
        "3",
        "13",
        "66.7",
    )


def test_cooccurrence_csv_matrix_and_pairs(small: Project, tmp_path: Path) -> None:
    report = cooccurrence(small, normalise="jaccard")
    writers.write(report, tmp_path / "pairs.csv")
    pairs = read_csv(tmp_path / "pairs.csv")
    hit = [r for r in pairs if (r["Code A"], r["Code B"]) == ("12", "11")]
    assert hit == [
        {
            "Code A": "12",
            "Name A": "Innovation strategy and culture",
            "Code B": "11",
            "Name B": "Relationship with the parent body and local authority",
            "Segments with both": "1",
            "jaccard": "0.25",
        }
    ]
    writers.write(report, tmp_path / "matrix.csv", "csv-wide")
    matrix = read_csv(tmp_path / "matrix.csv")
    assert len(matrix) == 2 * len(
        report.codes
    )  # counts stacked over Jaccard, told apart by "Table"
    counts = {r["Code"]: r for r in matrix if r["Table"].startswith("Co-occurrence: segments")}
    assert counts["08"]["04.1"] == "1" and counts["08"]["08"] == "3" and counts["08"]["12"] == "0"
    jaccard = {r["Code"]: r for r in matrix if "Jaccard" in r["Table"]}
    assert jaccard["12"]["11"] == "0.25" and jaccard["01"]["01"] == ""


def test_matrix_csv_transposed_for_r(small: Project, tmp_path: Path) -> None:
    writers.write(
        code_matrix(small, presence=True), tmp_path / "cases.csv", "csv-wide", transpose=True
    )
    rows = read_csv(tmp_path / "cases.csv")
    assert [r["Transcript"] for r in rows] == ["int1", "int2", "int3"]
    assert [r["role"] for r in rows] == ["manager", "staff", "manager"]
    assert [r["08 Staff engagement, voice and morale"] for r in rows] == ["1", "1", "0"]


def test_progress_and_quotes_csv(small: Project, tmp_path: Path) -> None:
    writers.write(coding_progress(small), tmp_path / "progress.csv")
    rows = read_csv(tmp_path / "progress.csv")
    assert rows[1] == {
        "Transcript": "int1",
        "Coder": "bob",
        "Status": "done",
        "Coded segments": "4",
        "Codable segments": "5",
        "% coded": "80.0",
    }
    writers.write(quotes(small, ["12"], context=True), tmp_path / "quotes.csv")
    rows = read_csv(tmp_path / "quotes.csv")
    # alice's int1/5 and bob's int1/5–6 overlap: one passage, both coders
    assert [(r["Quote"], r["Coders"]) for r in rows] == [
        ("We started a new clinic. The council still decides.", "alice, bob"),
        ("Innovation is slow here.", "alice"),
    ]
    assert (
        rows[0]["role"] == "manager"
        and rows[0]["Memos"] == "alice: New clinic = service innovation"
    )
    assert rows[0]["Before"] == "Interviewer: What about new ideas?"


def test_stacking_tables_with_different_columns_is_refused(small: Project) -> None:
    with pytest.raises(CodebenchError, match="different columns"):
        writers.tables_csv(
            [*writers.data_tables(frequencies(small)), *writers.data_tables(coding_progress(small))]
        )


# ---------------------------------------------------------------------- JSON
def test_json(small: Project) -> None:
    data = json.loads(writers.render(frequencies(small), "json"))
    assert data["kind"] == "frequencies"
    assert data["selection"]["label"] == "alice + bob"
    assert data["transcripts_in_scope"] == 3
    row = next(r for r in data["rows"] if r["code"]["number"] == "08")
    assert row["own"] == {
        "segments": 3,
        "codings": 4,
        "transcripts": 2,
        "percent": 66.7,
        "words": 12,
        "speakers": 2,
    }
    assert row["code"]["label"] == "08 Staff engagement, voice and morale"
    assert any("Percentages are of the 3 transcripts" in n for n in data["notes"])
    quoted = json.loads(writers.render(quotes(small, ["12"]), "json"))
    assert quoted["quotes"][0]["location"] == "int1, segments 5\u20136"
    assert quoted["quotes"][0]["coders"] == ["alice", "bob"]
    assert quoted["quotes"][0]["memos"] == [
        {"author": "alice", "text": "New clinic = service innovation"}
    ]


# ---------------------------------------------------------------------- HTML
class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)
        if tag not in ("meta", "rect", "br"):
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (tag, self.open[-5:])
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_page(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    assert parser.open == [], parser.open
    return parser


def assert_self_contained(page: str, parser: PageParser) -> None:
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
    for name, value in parser.attributes:
        # A link within the page (the contents' "#section") loads nothing.
        inside = name == "href" and (value or "").startswith("#")
        assert inside or name not in ("src", "href", "xlink:href"), (name, value)
        assert "://" not in (value or ""), (name, value)
    assert "http" not in page and "url(" not in page


def test_full_html_report_is_self_contained(small: Project) -> None:
    page = writers.render(
        full_report(small, quote_codes=["12"], context=True, generated="2025-01-01"), "html"
    )
    parser = parse_page(page)
    assert_self_contained(page, parser)
    text = " ".join(parser.text)
    assert parser.tags.count("table") >= 6
    assert parser.tags.count("svg") == 2  # the frequency chart and the co-occurrence heat map
    assert "Public service mutuals interview study" in text
    assert "Codes by role: transcripts with the code (% of group) (alice + bob)" in text
    assert "We started a new clinic. The council still decides." in text
    assert "Memo (alice):" in text
    ids = [v for n, v in parser.attributes if n == "id"]
    assert ids == [
        "frequencies",
        "by-attribute-organisation",
        "by-attribute-role",
        "cooccurrence",
        "matrix",
        "progress",
        "quotes",
    ]


def test_each_report_renders_valid_html(small: Project) -> None:
    for report in (
        frequencies(small),
        by_attribute(small, "role"),
        cooccurrence(small, normalise="c"),
        code_matrix(small),
        quotes(small, ["08"]),
        codebook_document(small),
        coding_progress(small),
    ):
        page = writers.render(report, "html")
        assert_self_contained(page, parse_page(page))


# ---------------------------------------------------------------------- DOCX
def test_quotes_docx(small: Project, tmp_path: Path) -> None:
    from docx import Document

    path = tmp_path / "quotes.docx"
    writers.write(quotes(small, ["12"], context=True), path)
    document = Document(path)
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Title", "Quotes (alice + bob)") in paragraphs
    assert ("Heading 1", "12 Innovation strategy and culture (2)") in paragraphs
    quoted = [t for s, t in paragraphs if s == "Intense Quote"]
    assert quoted == [
        "We started a new clinic. The council still decides.",
        "Innovation is slow here.",
    ]
    assert ("Quote", "… Interviewer: What about new ideas?") in paragraphs
    assert any(
        t.startswith(
            "— Ann Lee, int1, segments 5\u20136 · organisation: Riverside; role: manager"
            " · coded by alice, bob"
        )
        for _, t in paragraphs
    )
    assert "Memo (alice): New clinic = service innovation" in [t for _, t in paragraphs]


def test_codebook_and_table_docx(small: Project, tmp_path: Path) -> None:
    from docx import Document

    writers.write(codebook_document(small), tmp_path / "codebook.docx")
    document = Document(tmp_path / "codebook.docx")
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert (
        "12 Innovation strategy and culture" in headings and "13.1 Service innovation" in headings
    )
    texts = [p.text for p in document.paragraphs]
    assert "3 coded segments · 3 codings · 2 transcripts" in texts
    assert "0 coded segments (1 with sub-codes) · 0 codings · 0 transcripts" in texts
    assert any(t.startswith("Definition. ") for t in texts)

    writers.write(frequencies(small), tmp_path / "freq.docx")
    table = Document(tmp_path / "freq.docx").tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "Code",
        "Name",
        "Segments",
        "Codings",
        "Transcripts",
        "% transcripts",
        "Words",
        "Speakers",
    ]
    row = next(r for r in table.rows if r.cells[0].text == "08")
    assert [c.text for c in row.cells][2:] == ["3", "4", "2", "66.7", "12", "2"]


# ---------------------------------------------------------------------- Markdown, charts
def test_markdown_table(small: Project) -> None:
    text = writers.render(by_attribute(small, "role"), "md")
    assert "| Code | Name | manager (n=2) | staff (n=1) |" in text
    assert "| 11 | Relationship with the parent body and local authority | 2 (100%) | – |" in text


@pytest.mark.parametrize("report_name", ["frequencies", "by-attribute", "cooccurrence"])
def test_charts(small: Project, tmp_path: Path, report_name: str) -> None:
    report = {
        "frequencies": lambda: frequencies(small),
        "by-attribute": lambda: by_attribute(small, "role"),
        "cooccurrence": lambda: cooccurrence(small),
    }[report_name]()
    writers.write(report, tmp_path / "chart.png")
    assert (tmp_path / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    writers.write(report, tmp_path / "chart.svg")
    svg = (tmp_path / "chart.svg").read_bytes()
    assert ElementTree.fromstring(svg).tag.endswith("svg")
    assert svg == writers.render(report, "svg").encode()  # reproducible


def test_charts_only_for_charted_reports(small: Project) -> None:
    with pytest.raises(CodebenchError, match="cannot be written as png"):
        writers.render(coding_progress(small), "png")
    with pytest.raises(CodebenchError, match="cannot be written as csv"):
        writers.render(full_report(small), "csv")


# ---------------------------------------------------------------------- formats and atomic writes
def test_format_follows_the_extension() -> None:
    assert writers.infer_format("a/b.XLSX") == "xlsx"
    assert writers.infer_format("out.htm") == "html"
    assert writers.infer_format(None) == "table"
    assert writers.infer_format("x.csv", "csv-wide") == "csv-wide"
    with pytest.raises(CodebenchError, match="cannot tell the format"):
        writers.infer_format("x.pdf")


def test_a_failed_export_leaves_the_old_file(
    small: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    out = tmp_path / "out"
    out.mkdir()
    path = out / "freq.xlsx"
    path.write_bytes(b"the good old file")

    def disk_full(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(
        os, "fsync", disk_full
    )  # fails after the new bytes went to the temporary file
    from codebench.errors import OutputFailed

    # A one-line OutputFailed naming the file since issue 10 (it used to be the bare OSError).
    with pytest.raises(OutputFailed, match=r"freq\.xlsx: cannot write it \(disk full\)"):
        writers.write(frequencies(small), path)
    assert path.read_bytes() == b"the good old file"
    assert [p.name for p in out.iterdir()] == ["freq.xlsx"]


def test_a_lone_table_is_not_titled_twice() -> None:
    # A document of one table titled like the document says the title once; with
    # several tables each keeps its heading, so none is left unnamed.
    import io

    from docx import Document

    from codebench.reports.tables import Column, Table
    from codebench.reports.writers import render_tables

    def table(title: str) -> Table:
        return Table("t", title, [Column("a", "A")], [{"a": "x"}])

    one = [table("Query: 04")]
    two = [table("Query: 04, by transcript"), table("Query: 04")]
    assert str(render_tables(one, "md", title="Query: 04")).count("Query: 04") == 1
    assert str(render_tables(one, "html", title="Query: 04")).count("<h2>") == 0
    assert str(render_tables(two, "md", title="Query: 04")).count("## Query: 04") == 2
    assert str(render_tables(two, "html", title="Query: 04")).count("<h2>") == 2
    paragraphs = [
        p.text
        for p in Document(io.BytesIO(render_tables(one, "docx", title="Query: 04"))).paragraphs
    ]
    assert paragraphs.count("Query: 04") == 1
