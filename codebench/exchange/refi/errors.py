"""The one exception type of the REFI-QDA layer.

Everything that goes wrong while reading or writing an interchange file is
reported as a :class:`RefiError` with a one-line message that names the file
(or the object) and the problem, so a command-line caller can print
``str(error)`` as is and the user knows what to fix.  Hostile archives
(path traversal, zip bombs, entity bombs) are refused with this error too.
"""

from __future__ import annotations

__all__ = ["RefiError"]


class RefiError(Exception):
    """A REFI-QDA file could not be read or written.

    ``str(error)`` is a single line such as
    ``"evil.qdpx: member '../evil.txt' escapes the archive (path traversal); refused"``.
    """

    def __init__(self, message: str) -> None:
        # Keep the message on one line: it is shown to users verbatim.
        super().__init__(" ".join(str(message).split()))
