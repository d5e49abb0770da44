"""Counts in words, for every message and output the program writes.

A leaf module (it imports nothing of codebench) so that any package, the
agreement and exchange libraries included, can word its counts without an
import cycle through the reports.
"""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 passage``, ``2 passages``, ``1,200 passages``: every count in words goes through here.

    ``many`` is the plural when it is not ``word`` + "s" (``plural(n, "matrix", "matrices")``).
    """
    return f"{n:,} {noun(n, word, many)}"


def noun(n: int, word: str, many: str | None = None) -> str:
    """The noun alone, in the number ``n`` asks for: a list names its items, so no count
    is written ("missing column memo", "missing columns coder, code")."""
    return word if n == 1 else many or word + "s"
