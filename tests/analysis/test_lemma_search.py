"""Search by lemma: every inflection of a word, from spaCy's English lookup table.

The transcript below holds each form once, by hand: "commission" (segment 1),
"commissioned" (2), "commissioning" (3), "Commissions" (4), and
"commissioner" (5) — a different lemma (a person, not the act), which the
table keeps apart; segment 6 pairs "commissioned" with "services".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.analysis import lemmas
from codebench.analysis.search import MAX_LEMMA_PHRASES, SearchError, search
from codebench.cli import cli
from codebench.project import Project

TEXT = (
    "Ann Lee: The commission met.\n"
    "Bob Ray: We commissioned it.\n"
    "Ann Lee: Commissioning is hard.\n"
    "Bob Ray: Commissions vary.\n"
    "Ann Lee: The commissioner said no.\n"
    "Bob Ray: They commissioned services locally.\n"
)


@pytest.fixture
def forms(project: Project, write_transcript) -> Project:
    assert project.import_files([write_transcript("forms.txt", TEXT)]).ok
    return project


def found(project: Project, pattern: str, **options) -> list[tuple[int, str]]:
    return [(h.ordinal, h.text) for h in search(project, pattern, **options).hits]


@pytest.mark.parametrize("word", ["commissioned", "commissioning", "commissions", "commission"])
def test_every_form_has_the_same_lemma_and_inflections(word: str) -> None:
    assert lemmas.lemma(word) == "commission"
    assert {"commission", "commissioned", "commissioning", "commissions"} <= set(
        lemmas.inflections(word)
    )
    assert "commissioner" not in lemmas.inflections(word)
    assert lemmas.lemma("ran") == "run" and "running" in lemmas.inflections("ran")


def test_lemma_search_finds_every_inflection_and_no_other_word(forms: Project) -> None:
    # Segment ordinals follow the transcript's lines (0-based).
    assert [t for _, t in found(forms, "commissioning")] == ["Commissioning"]
    every = found(forms, "commissioning", lemma=True)
    assert [t for _, t in every] == [
        "commission",
        "commissioned",
        "Commissioning",
        "Commissions",
        "commissioned",
    ]
    assert found(forms, "commissions", lemma=True) == every
    assert [t for _, t in found(forms, "commissioner", lemma=True)] == ["commissioner"]
    assert "every inflection" in search(forms, "commission", lemma=True).mode


def test_lemma_phrases_inflect_every_word(forms: Project) -> None:
    assert found(forms, "commissions service") == []
    assert [t for _, t in found(forms, "commissions service", lemma=True)] == [
        "commissioned services"
    ]
    # Case as typed still applies to the inflected forms.
    assert [t for _, t in found(forms, "commissions", lemma=True, case_sensitive=True)] == [
        "commission",
        "commissioned",
        "commissioned",
    ]


def test_lemma_refuses_regex_and_too_many_combinations(forms: Project) -> None:
    with pytest.raises(SearchError, match="cannot be used with --regex"):
        search(forms, "commiss", regex=True, lemma=True)
    with pytest.raises(SearchError, match=f"at most {MAX_LEMMA_PHRASES}"):
        search(forms, "run run run run run run", lemma=True)


def test_cli_lemma_and_the_missing_tables(
    forms: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forms.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    runner = CliRunner()
    args = ["-p", str(forms.path), "search", "commissioned", "--lemma", "--format", "json"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.output.count('"commissioned"') >= 2 and '"Commissions"' in result.output
    # Without the package (a language the registry has no tables for): one clear line.
    monkeypatch.setattr(lemmas, "LANGUAGE", "no-such-language")
    lemmas._tables.cache_clear()
    try:
        result = runner.invoke(cli, args)
    finally:
        lemmas._tables.cache_clear()
    assert result.exit_code == 1
    assert "pip install 'codebench[lemmas]'" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_words_count_every_inflection_as_its_lemma(forms: Project) -> None:
    from codebench.analysis.words import word_frequencies

    plain = {t.term: t.count for t in word_frequencies(forms, top=50).terms}
    assert plain["commissioned"] == 2 and plain["commissioning"] == 1
    by_lemma = word_frequencies(forms, top=50, lemma=True)
    counted = {t.term: t.count for t in by_lemma.terms}
    # commission, commissioned ×2, commissioning, commissions: 5; the commissioner apart.
    assert counted["commission"] == 5 and counted["commissioner"] == 1
    assert "commissioned" not in counted and counted["service"] == 1
    assert any("Counted by lemma" in n for n in by_lemma.notes)
