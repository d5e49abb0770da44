"""Marking a transcript done, with the warning both front ends give first.

Done transcripts are what agreement counts, so marking one done while some
of its codable segments carry none of the coder's codes is usually an
accident (one key in the workbench). The workbench asks for confirmation
and the CLI refuses without ``--yes``; both say how many segments are left,
in the words of :func:`uncoded_warning`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codebench.errors import NotFound
from codebench.models import Coder, Transcript
from codebench.store import progress as progress_sql

if TYPE_CHECKING:
    from codebench.project import Project


def uncoded(
    project: Project, coder: str | Coder, transcript: str | int | Transcript
) -> tuple[int, int]:
    """``(codable segments with none of the coder's codes, codable segments)`` of one transcript."""
    t = project.transcript(transcript)
    try:
        k = project.coder(coder)
    except NotFound:  # a coder not created yet has coded nothing
        coded, codable = 0, progress_sql.codable_count(project.db, t.id)
        return codable - coded, codable
    coded, codable = progress_sql.coded_codable(project.db, k.id, t.id).get(t.id, (0, 0))
    return codable - coded, codable


def uncoded_warning(left: int, codable: int, coder: str, transcript: str) -> str | None:
    """The one-line warning before marking done, or ``None`` when every codable segment is coded."""
    if left <= 0:
        return None
    plural = "segment is" if left == 1 else "segments are"
    return (
        f"{left} of {codable} codable {plural} still uncoded by {coder} in {transcript}"
        " (agreement counts done transcripts)"
    )
