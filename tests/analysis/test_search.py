"""Project-wide search: the full-text index, folding, regular expressions, scopes, context."""

from __future__ import annotations

import pytest

from codebench.analysis.scope import ScopeSpec
from codebench.analysis.search import MAX_PATTERN, SearchError, search
from codebench.analysis.tables import kwic_lines, search_counts
from codebench.project import Project


def hits(project: Project, pattern: str, **options) -> list[tuple[str, int, str]]:
    scope = options.pop("scope", None)
    result = search(project, pattern, ScopeSpec.of(**scope) if scope else None, **options)
    return [(h.transcript, h.ordinal, h.text) for h in result.hits]


def fts_rows(project: Project) -> int:
    return project.db.execute("SELECT count(*) FROM segment_fts").fetchone()[0]


def test_words_phrases_prefixes_and_alternatives(study: Project) -> None:
    assert hits(study, "pension") == [("c", 2, "pension")]  # a word, not "Pensions"
    assert hits(study, "pens*") == [("a", 3, "Pensions"), ("c", 2, "pension")]
    assert hits(study, "pension scheme") == [("c", 2, "pension scheme")]
    assert hits(study, "pension, scheme") == [("c", 2, "pension scheme")]
    assert hits(study, "scheme pension") == []
    assert hits(study, "TUPE | pension") == [("b", 3, "TUPE"), ("c", 2, "pension")]
    assert hits(study, "contract") == [("a", 1, "contract")]


def test_case_and_accent_folding(study: Project) -> None:
    assert hits(study, "STAFF") == [("a", 3, "staff"), ("a", 6, "Staff"), ("c", 3, "staff")]
    assert hits(study, "Staff", case_sensitive=True) == [("a", 6, "Staff")]
    assert hits(study, "cafe") == [("c", 3, "Café")]
    assert hits(study, "CAFÉ") == [("c", 3, "Café")]
    assert hits(study, "cafe", exact_accents=True) == []
    assert hits(study, "café", exact_accents=True) == [("c", 3, "Café")]
    assert hits(study, "café", exact_accents=True, case_sensitive=True) == []


def test_regular_expressions(study: Project) -> None:
    assert hits(study, r"\bst\w+", regex=True) == [
        ("a", 3, "staff"),
        ("a", 6, "Staff"),
        ("c", 3, "staff"),
    ]
    assert hits(study, r"S\w+", regex=True, case_sensitive=True) == [("a", 6, "Staff")]
    # "contract" inside the interviewer's "contracts" too: a pattern is not a word.
    assert hits(study, "contract", regex=True) == [("a", 0, "contract"), ("a", 1, "contract")]
    # Accents folded one for one, so the hit is the text as stored.
    assert hits(study, "cafe", regex=True) == [("c", 3, "Café")]
    assert hits(study, "cafe", regex=True, exact_accents=True) == []


def test_keyword_in_context(study: Project) -> None:
    result = search(study, "pension", context=10)
    hit = result.hits[0]
    text = study.text("c")
    assert (hit.start, hit.end) == (text.index("pension"), text.index("pension") + 7)
    assert (hit.left, hit.text, hit.right) == ("grew. The ", "pension", " scheme ch")
    assert hit.speaker == "Hal Ito"
    # Newlines in the context read as spaces; every hit starts in the same column.
    wide = search(study, "staff | TUPE", context=12)
    lines = kwic_lines(wide, 12)
    assert all("\n" not in "".join(line) for line in lines)
    assert len({len(place) + len(left) for place, left, _, _ in lines}) == 1
    assert [line[2] for line in lines] == ["staff", "Staff", "TUPE", "staff"]


def test_scopes_and_in_code(study: Project) -> None:
    assert hits(study, "staff", scope={"where": ["role=commissioner"]}) == [
        ("a", 3, "staff"),
        ("a", 6, "Staff"),
    ]
    assert hits(study, "staff", scope={"transcripts": ["c"]}) == [("c", 3, "staff")]
    manager = {"where": ["role=manager"]}
    assert hits(study, "staff", case_sensitive=True, scope=manager) == [("c", 3, "staff")]
    assert hits(study, "Staff", case_sensitive=True, scope=manager) == []
    assert hits(study, "staff", scope={"speakers": ["hal ito"]}) == [("c", 3, "staff")]
    assert hits(study, "staff", in_code="10") == [("a", 3, "staff")]
    assert hits(study, "staff", in_code="08") == [
        ("a", 3, "staff"),
        ("a", 6, "Staff"),
        ("c", 3, "staff"),
    ]
    assert hits(study, "staff", in_code="08", scope={"coders": ["bob"]}) == [("c", 3, "staff")]
    assert hits(study, "staff", in_code="08 & !10") == [("a", 6, "Staff"), ("c", 3, "staff")]


def test_counts(study: Project) -> None:
    result = search(study, "staff")
    rows = search_counts(result, "transcript").rows
    assert [(r["transcript"], r["hits"], r["segments"]) for r in rows] == [
        ("a", 2, 2),
        ("b", 0, 0),
        ("c", 1, 1),
    ]
    by_role = search_counts(result, "attribute:role").rows
    assert [(r["value"], r["n"], r["with"], r["hits"]) for r in by_role] == [
        ("commissioner", 2, 1, 2),
        ("manager", 1, 1, 1),
    ]
    assert result.notes[0] == (
        "3 hits in 3 segments of 2 transcripts (words, case and accents folded)."
    )


def test_a_catastrophic_regex_is_stopped_not_left_running(
    study: Project, write_transcript, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nested repeats take exponential time on a long run without a match: stopped at the limit."""
    import time

    import codebench.analysis.search as search_module

    monkeypatch.setattr(search_module, "REGEX_SECONDS", 0.5)
    slow = write_transcript("slow.txt", "Interviewer: so?\n\nAnn Lee: " + "a" * 40 + "!\n")
    assert study.import_files([slow]).ok
    began = time.monotonic()
    with pytest.raises(SearchError, match=r"stopped after 0\.5 s"):
        search(study, r"(a|aa)+$", regex=True)
    assert time.monotonic() - began < 5
    # An ordinary pattern on the same text still runs.
    assert search(study, r"a{40}", regex=True).hits


def test_bad_and_hostile_patterns_are_one_line_errors(study: Project) -> None:
    with pytest.raises(SearchError, match="at most"):
        search(study, "a" * (MAX_PATTERN + 1))
    with pytest.raises(SearchError, match="at most"):
        search(study, "(a|b)*" * 100_000, regex=True)
    with pytest.raises(SearchError, match="not a valid regular expression"):
        search(study, "(unclosed", regex=True)
    with pytest.raises(SearchError, match="has no words to search for"):
        search(study, "!!! ***")
    with pytest.raises(SearchError, match="empty"):
        search(study, "  ")
    # FTS5 syntax and markup are words like any other, never query syntax or styling.
    assert hits(study, 'staff" OR "pension') == []
    assert hits(study, "NEAR(staff pension)") == []
    assert hits(study, "[bold]staff[/bold]") == []
    assert hits(study, "\x1b[31mstaff") == []


def test_control_characters_in_stored_text(project: Project, write_transcript) -> None:
    path = write_transcript("x.txt", "Ann: The \x1b[31mred\x1b[0m staff.\n")
    assert project.import_files([path]).ok
    (hit,) = search(project, "staff").hits
    assert "\x1b" not in hit.left and "\u241b" in hit.left  # stored made visible, 1:1


def test_the_index_follows_imports_and_removals(study: Project, write_transcript) -> None:
    segments = study.db.execute("SELECT count(*) FROM segments").fetchone()[0]
    assert fts_rows(study) == segments
    path = write_transcript("d.txt", "Interviewer: Anything?\nIvy Poe: The TUPE rules again.\n")
    assert study.import_files([path]).ok
    assert hits(study, "tupe") == [("b", 3, "TUPE"), ("d", 1, "TUPE")]
    study.remove_transcript("b", force=True)
    assert hits(study, "tupe") == [("d", 1, "TUPE")]
    assert fts_rows(study) == study.db.execute("SELECT count(*) FROM segments").fetchone()[0]


def test_the_migration_indexes_an_existing_project(tmp_path) -> None:
    from codebench.store import migrations
    from codebench.store.connection import open_database

    path = tmp_path / "old.db"
    db = open_database(path, create=True, migrate=False)
    migrations.migrate(db, path, stop_before="0007_analysis")
    text = "Ann: Pension talk.\n"
    db.execute(
        "INSERT INTO transcripts (guid, name, text, sha256, source_name, source_format, imported_at)"
        " VALUES ('g', 'a', ?, 'h', 'a.txt', 'txt', '2025-01-01')",
        [text],
    )
    db.execute(
        "INSERT INTO segments (transcript_id, ordinal, start_char, end_char, speaker, codable, turn, paragraph)"
        " VALUES (1, 0, 5, 18, 'Ann', 1, 0, 0)"
    )
    db.conn.commit()
    db.close()

    project = Project.open(path)
    assert "0007_analysis" in migrations.applied_names(project.db)
    assert hits(project, "pension") == [("a", 0, "Pension")]
    project.close()


def test_every_writer_of_segments_indexes_them(study: Project, tmp_path) -> None:
    from codebench.exchange.merge.run import merge
    from codebench.exchange.qdpx.project import export_qdpx, import_qdpx

    export_qdpx(study, tmp_path / "study.qdpx")
    copy = Project.init(tmp_path / "copy.db")
    import_qdpx(copy, tmp_path / "study.qdpx")
    assert fts_rows(copy) == copy.db.execute("SELECT count(*) FROM segments").fetchone()[0] == 18
    assert hits(copy, "tupe") == [("b", 3, "TUPE")]

    target = Project.init(tmp_path / "target.db")
    study.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    merge(target, [study.path])
    assert fts_rows(target) == 18
    assert hits(target, "tupe") == [("b", 3, "TUPE")]
    copy.close()
    target.close()


@pytest.mark.parametrize("pattern", ["^", r"\b", "x*", "(?=staff)", "$|staff"])
def test_a_regex_that_matches_empty_text_is_refused(study: Project, pattern: str) -> None:
    """A zero-width hit holds no text: refused in one line, never a silent "0 hits"."""
    with pytest.raises(SearchError, match="matches empty text") as raised:
        search(study, pattern, regex=True)
    assert "\n" not in str(raised.value)


def test_a_regex_that_needs_a_character_still_runs(study: Project) -> None:
    assert hits(study, r"\bstaff\b", regex=True) == [
        ("a", 3, "staff"),
        ("a", 6, "Staff"),
        ("c", 3, "staff"),
    ]


def test_no_interviewer_leaves_out_the_questions(study: Project) -> None:
    """a 0 (the interviewer: "Tell me about contracts.") is not codable; a 1 is Dee Fox's."""
    assert hits(study, "contract*") == [("a", 0, "contracts"), ("a", 1, "contract")]
    assert hits(study, "contract*", codable_only=True) == [("a", 1, "contract")]
    assert hits(study, "contracts?", regex=True, codable_only=True) == [("a", 1, "contract")]
    from click.testing import CliRunner

    from codebench.cli import cli

    study.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    result = CliRunner().invoke(
        cli, ["-p", str(study.path), "search", "contract*", "--no-interviewer", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    rows = result.stdout.strip().splitlines()[1:]
    assert len(rows) == 1 and rows[0].startswith("a,1,")
