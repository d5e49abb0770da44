"""Fixtures for the agreement tests: the short interview whose segments they code by ordinal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

# Segments (ordinal: text) of INTERVIEW; 0 and 5 are interviewer turns (not codable).
#  1 'It was hard.'  2 'We lost two managers.'  3 'But staff morale rose!'   (turn 1)
#  4 'We also started a new clinic.'                                          (turn 1)
#  6 'The council still tells us what to do.'  7 'We fight it every week.'   (turn 3)
INTERVIEW = (
    "Interviewer: How did the spin-out go?\n"
    "Ann Lee: It was hard. We lost two managers. But staff morale rose!\n\n"
    "We also started a new clinic.\n"
    "Interviewer: Anything else?\n"
    "Ann Lee: The council still tells us what to do. We fight it every week.\n"
)


@pytest.fixture
def write_interview(write_transcript: Callable[[str, str | bytes], Path]) -> Callable[..., Path]:
    """Write INTERVIEW as ``<name>.txt`` and return its path.

    The unit-extraction and consensus tests name segments by the ordinals
    above, so they must code the very same text. ``tag`` makes a copy's text
    distinct (a project refuses two identical transcripts) without moving any
    turn or segment boundary.
    """

    def write(name: str, *, tag: str | None = None) -> Path:
        text = INTERVIEW if tag is None else INTERVIEW.replace("hard", f"hard ({tag})")
        return write_transcript(f"{name}.txt", text)

    return write
