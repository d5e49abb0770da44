"""Short marks for other coders' codings, which never read as the current coder's.

With others' codings shown, the workbench marks each of them with a prefix
(``b:04``). A prefix taken from the first letter alone misleads: ``c:`` for
the consensus while carol is coding reads as carol's own coding. So the
consensus pseudo-coder is always ``=``, and every other coder gets the
shortest start of their name that is neither a start of the current coder's
name nor shared with another coder, up to :data:`LONGEST` letters; when no
start of the name will do (a name that is itself the start of another), the
name and a number (``car2`` while carol codes).
"""

from __future__ import annotations

from collections.abc import Sequence

from codebench.models import Coder

#: The mark of the consensus pseudo-coder's codings.
CONSENSUS_MARK = "="
#: The longest name prefix used before falling back to the name and a number.
LONGEST = 5


def coder_prefixes(coders: Sequence[Coder], current: Coder) -> dict[int, str]:
    """Coder id → mark for every coder but ``current`` (lower case, without the colon)."""
    mine = current.name.casefold()
    others = [c for c in coders if c.id != current.id]
    names = {c.id: (c.name.casefold() or "?") for c in others if c.kind != "consensus"}
    marks: dict[int, str] = {}
    taken: set[str] = {CONSENSUS_MARK}
    for coder in others:
        if coder.kind == "consensus":
            marks[coder.id] = CONSENSUS_MARK
            continue
        name = names[coder.id]
        mark = next(
            (
                name[:size]
                for size in range(1, min(len(name), LONGEST) + 1)
                if not mine.startswith(name[:size])
                and name[:size] not in taken
                and not any(
                    other.startswith(name[:size])
                    for other_id, other in names.items()
                    if other_id != coder.id
                )
            ),
            None,
        )
        if mark is None:
            number = 2
            while f"{name[:LONGEST]}{number}" in taken:
                number += 1
            mark = f"{name[:LONGEST]}{number}"
        marks[coder.id] = mark
        taken.add(mark)
    return marks


def legend(coders: Sequence[Coder], marks: dict[int, str]) -> str:
    """``b bob · = consensus``: every mark in use, with whose it is."""
    by_id = {c.id: c for c in coders}
    return " · ".join(f"{mark}: {by_id[coder_id].name}" for coder_id, mark in marks.items())
