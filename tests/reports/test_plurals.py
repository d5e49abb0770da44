"""Counts in words: "1 passage", never "1 passages" nor "1 passage(s)" (one helper, and a scan of
the whole package for any count that bypasses it)."""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

from codebench.wording import noun, plural

ROOT = Path(__file__).resolve().parents[2] / "codebench"
#: Counts placed before a word that is not a count: the value is a name or a file suffix
#: ("its speakers records", ".rtf files"), so no number is ever printed there.
NOT_COUNTS = {
    "exchange/qdpx/import_writes.py": "{kind} records",
    "pseudonyms/check.py": "{suffix} files",
}
#: "(s)", "(es)", "(ies)" on a word: a plural the program did not choose.
EITHER_NUMBER = re.compile(r"[A-Za-z]\((?:s|es|ies)\)")
#: What this program counts, in the plural.
NOUNS = [
    "passages",
    "hits",
    "segments",
    "transcripts",
    "codes",
    "codings",
    "coders",
    "speakers",
    "memos",
    "events",
    "records",
    "rows",
    "edges",
    "replacements",
    "candidates",
    "entries",
    "themes",
    "cells",
    "characters",
    "combinations",
    "groups",
    "words",
    "outputs",
    "quotes",
    "participants",
    "matches",
    "files",
    "changes",
    "edits",
    "values",
    "attributes",
    "levels",
    "units",
    "decisions",
    "disagreements",
    "assignments",
    "notes",
    "selections",
    "occurrences",
    "cases",
    "sources",
    "samples",
    "rounds",
]
#: A count placed straight before a plural noun in an f-string: ``f"{n} passages"``,
#: ``f"{n} matching segments"``.
BARE_COUNT = re.compile(r"^ (?:[a-z-]+ )?(?:" + "|".join(NOUNS) + r")\b")


def test_plural() -> None:
    assert plural(1, "passage") == "1 passage"
    assert plural(0, "passage") == "0 passages"
    assert plural(2, "codable segment") == "2 codable segments"
    assert plural(1234, "hit") == "1,234 hits"
    assert plural(1, "matrix", "matrices") == "1 matrix"
    assert plural(3, "matrix", "matrices") == "3 matrices"
    assert noun(1, "column") == "column"
    assert noun(2, "column") == "columns"
    assert noun(0, "entry", "entries") == "entries"


def _chooses_a_word(node: ast.expr) -> bool:
    """``{'is' if n == 1 else 'are'}``: a verb agreeing with a count, not a count."""
    return isinstance(node, ast.IfExp) and all(
        isinstance(branch, ast.Constant) and isinstance(branch.value, str)
        for branch in (node.body, node.orelse)
    )


def bare_counts(source: str) -> list[tuple[int, str]]:
    """``(line, text)`` of each f-string part that puts a number before a plural noun."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.JoinedStr):
            continue
        parts = node.values
        for value, after in itertools.pairwise(parts):
            if not (isinstance(value, ast.FormattedValue) and isinstance(after, ast.Constant)):
                continue
            text = str(after.value)
            word = BARE_COUNT.match(text) or re.match(r"^ (?:[a-z-]+ )?[a-z]+\(", text)
            counted = ast.unparse(value.value)
            # A constant's value is fixed (and written for it); a repr'd value is a name.
            if (
                word
                and not counted.isupper()
                and not counted.startswith("plural(")
                and value.conversion != ord("r")
                and not _chooses_a_word(value.value)
            ):
                found.append((node.lineno, "{" + counted + "}" + text[: word.end()]))
    return found


def test_the_scan_finds_what_it_looks_for() -> None:
    source = (
        'f"{n} passages"; f"{n} matching segments"; f"{n} unit(s) left"; '
        'f"{plural(n, \'hit\')}"; f"{MAX} characters"; f"{name!r} has codes"; '
        "f\"{plural(n, 'hit')} {'is' if n == 1 else 'are'} on sources\""
    )
    assert [text for _line, text in bare_counts(source)] == [
        "{n} passages",
        "{n} matching segments",
        "{n} unit(",
    ]


def sources() -> list[tuple[str, str]]:
    """``(path within the package, text)`` of every module of the program."""
    return [
        (path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"))
        for path in sorted(ROOT.rglob("*.py"))
    ]


def test_no_count_bypasses_the_plural_helper() -> None:
    offenders = []
    for name, source in sources():
        for line, text in bare_counts(source):
            if NOT_COUNTS.get(name) != text:
                offenders.append(f"{name}:{line}: {text}")
    assert offenders == []
    assert len(sources()) > 100


def test_no_string_leaves_the_number_open() -> None:
    """No message hedges with "column(s)": the count is known, so the word follows it."""
    offenders = []
    for name, source in sources():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found = EITHER_NUMBER.search(node.value)
                if found:
                    offenders.append(f"{name}:{node.lineno}: {found.group()}")
    assert offenders == []
