"""A codebook's size in one phrase, the same wherever it is shown.

"35 codes" (the editor) and "the 21-node codebook" (the help) were both
right and read as a contradiction: the bundled codebook has 21 top-level
themes and 14 sub-codes under them. Every place that counts codes says so
with :func:`size_phrase`.
"""

from __future__ import annotations

from collections.abc import Iterable

from codebench.models import Code


def size_phrase(codes: Iterable[Code]) -> str:
    """``35 codes (21 themes, 14 sub-codes)``: all codes, then top-level and nested ones."""
    listed = list(codes)
    top = sum(1 for code in listed if code.parent_id is None)
    nested = len(listed) - top
    total = f"{len(listed)} code{'s' if len(listed) != 1 else ''}"
    if not nested:
        return total
    return (
        f"{total} ({top} theme{'s' if top != 1 else ''}, "
        f"{nested} sub-code{'s' if nested != 1 else ''})"
    )
