"""Fixtures shared by the team-merge tests: two short interviews every coder imports."""

from __future__ import annotations

from pathlib import Path

import pytest

INT1 = (
    "Interviewer: How did the spin-out go?\n"
    "Ann Lee: It was hard. We lost two managers. But staff morale rose!\n\n"
    "We also started a new clinic.\n"
    "Interviewer: Anything else?\n"
    "Ann Lee: The council still tells us what to do.\n"
)
INT2 = (
    "Interviewer: What changed for staff?\n"
    "Bo Chan: We got a vote on the board. People speak up now.\n"
    "Interviewer: And money?\n"
    "Bo Chan: Tight. We bid for every contract going.\n"
)


@pytest.fixture
def files(write_transcript) -> list[Path]:
    """Two interview files every coder imports (same text, so the same sha256)."""
    return [write_transcript("int1.txt", INT1), write_transcript("int2.txt", INT2)]
