"""Counts in words: "1 passage", never "1 passages" (one helper, and a scan for any count that bypasses it)."""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

from codebench.reports.types import plural

ROOT = Path(__file__).resolve().parents[2] / "codebench"
#: The packages whose output counts things.
PACKAGES = ("analysis", "reports", "cli")
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
            noun = BARE_COUNT.match(text) or re.match(r"^ (?:[a-z-]+ )?[a-z]+\(s\)", text)
            counted = ast.unparse(value.value)
            if noun and not counted.isupper() and not counted.startswith("plural("):
                found.append((node.lineno, "{" + counted + "}" + text[: noun.end()]))
    return found


def test_no_count_bypasses_the_plural_helper() -> None:
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for line, text in bare_counts(path.read_text(encoding="utf-8")):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {text}")
    assert offenders == []
