"""Word frequencies on the hand-checked study: 13 codable segments (see conftest.py)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from codebench.analysis.scope import ScopeError, ScopeSpec
from codebench.analysis.words import (
    NUMBER_WORDS,
    edit_stop_words,
    stop_words,
    word_frequencies,
    words_table,
)
from codebench.cli import cli
from codebench.project import Project


def ranked(result) -> list[tuple[str, str, int, int]]:
    return [(t.group, t.term, t.count, t.segments) for t in result.terms]


def test_top_words_leave_out_stop_words_and_questions(study: Project) -> None:
    result = word_frequencies(study, top=3)
    # "staff" in a3, a6, c3; then the words used once, alphabetically. "the", "was", "we",
    # "is", "were" are stop words; "contracts" is only in the interviewer's question.
    # 33 words counted, "staff" three times: 31 distinct.
    assert ranked(result) == [("", "staff", 3, 3), ("", "built", 1, 1), ("", "café", 1, 1)]
    every = word_frequencies(study, top=100)
    assert len(every.terms) == 31 and "contracts" not in {t.term for t in every.terms}
    assert result.notes[0].startswith("The 3 most frequent words in 13 codable segments")


def test_in_code_and_groups(study: Project) -> None:
    assert [t.term for t in word_frequencies(study, in_code="10", top=3).terms] == [
        "commissioners",
        "competition",
        "contract",
    ]
    # 04 rolls up 04.2: a3, b1, c1.
    by_code = word_frequencies(study, by="code", top=2)
    assert [(g, t) for g, t, _, _ in ranked(by_code) if g.startswith("04")] == [
        ("04 Ethos - mission - cultures (advantages - disadvantages)", "creates"),
        ("04 Ethos - mission - cultures (advantages - disadvantages)", "ethos"),
        ("04.2 Disadvantages and tensions of the mutual ethos", "creates"),
        ("04.2 Disadvantages and tensions of the mutual ethos", "ethos"),
    ]
    by_speaker = word_frequencies(study, by="speaker", top=1)
    assert ranked(by_speaker) == [
        ("a: Dee Fox", "staff", 2, 2),
        ("b: Eve Hart", "commissioners", 1, 1),
        ("b: Gil Ng", "high", 1, 1),
        ("c: Hal Ito", "café", 1, 1),
    ]
    scoped = word_frequencies(study, ScopeSpec.of(where=["role=manager"]), top=2)
    assert ranked(scoped) == [("", "café", 1, 1), ("", "changed", 1, 1)]


def test_ngrams_do_not_start_or_end_with_a_stop_word(study: Project) -> None:
    result = word_frequencies(study, by="attribute:role", ngram=2, top=100)
    phrases = {t.term for t in result.terms}
    assert "new service" in phrases and "pension scheme" in phrases
    assert not {"built a", "a new", "built new", "the pension", "we grew"} & phrases
    tri = {t.term for t in word_frequencies(study, ngram=3, top=100).terms}
    assert "built a new" in tri and "contract was tough" in tri


def test_the_stop_list_is_editable_per_project(study: Project) -> None:
    edit_stop_words(study, add=["Staff"], remove=["we"])
    assert ranked(word_frequencies(study, top=2)) == [("", "we", 2, 2), ("", "built", 1, 1)]
    assert study.setting("analysis.stop_words") == '{"add": ["staff"], "remove": ["we"]}'
    edit_stop_words(study, reset=True)
    assert word_frequencies(study, top=1).terms[0].term == "staff"
    with pytest.raises(ScopeError, match="not one word"):
        edit_stop_words(study, add=["two words"])


def test_spelled_out_numbers_are_not_themes(study: Project) -> None:
    # "Two hundred staff, six per cent": figures, not words worth ranking, until the
    # project asks for them back.
    assert {"two", "hundred", "six", "per", "cent"} <= NUMBER_WORDS <= stop_words(study)
    edit_stop_words(study, remove=["hundred"])
    assert "hundred" not in stop_words(study) and "two" in stop_words(study)


def test_bad_groupings(study: Project) -> None:
    with pytest.raises(ScopeError, match="use code, attribute:KEY, speaker, transcript"):
        word_frequencies(study, by="colour")
    with pytest.raises(ScopeError, match=r"\(attributes: role, stage\)"):
        word_frequencies(study, by="attribute:colour")
    with pytest.raises(ScopeError, match="use 1 to 5"):
        word_frequencies(study, ngram=9)


def test_cli_bars_tables_and_charts(study: Project, tmp_path) -> None:
    study.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def run(*args: str):
        return CliRunner().invoke(cli, ["-p", str(study.path), *args], catch_exceptions=False)

    result = run("words", "--top", "2")
    assert result.exit_code == 0 and "staff" in result.stdout and "█" in result.stdout
    result = run("words", "--by", "attribute:role", "--format", "csv", "--top", "1")
    assert result.stdout.splitlines() == [
        "role,Rank,Word,Count,Segments",
        "commissioner,1,staff,2,2",
        "manager,1,café,1,1",
    ]
    for name in ("w.png", "w.svg", "w.xlsx", "w.docx"):
        assert run("words", "-o", str(tmp_path / name)).exit_code == 0
        assert (tmp_path / name).stat().st_size > 0
    assert (tmp_path / "w.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert run("stop-words", "--add", "staff").exit_code == 0
    assert "staff" in run("stop-words").stdout.split()
    said = run("stop-words", "--add", "staff", "--remove", "nosuch", "--remove", "two").stdout
    # The last line says what changed and which words the edit left as they were.
    assert said.splitlines()[-1] == (
        f"{len(said.splitlines()[0].split())} stop words; now counted: two; "
        "already on the list: staff; not on the list (nothing to remove): nosuch."
    )
    result = run("words", "--by", "nothing")
    assert result.exit_code == 1 and "use code, attribute:KEY" in result.stderr
    assert words_table(word_frequencies(study, top=1)).rows[0]["term"] == "built"
