"""Exceptions the core raises; the CLI and the TUI turn them into one-line messages.

Every error that a user can cause (a bad file, an unknown code, a locked
database) is a :class:`CodebenchError`, so front ends can catch one type and
show ``str(error)`` without a traceback.
"""

from __future__ import annotations


class CodebenchError(Exception):
    """A problem the user can fix; ``str()`` is a complete one-line message."""


class ProjectError(CodebenchError):
    """The project file cannot be opened, created or migrated."""


class ProjectMissing(ProjectError):
    """No project file where one was named (a front end may suggest where one is)."""

    def __init__(self, message: str, path: object = None) -> None:
        super().__init__(message)
        #: The path that was named.
        self.path = path


class CodebookError(CodebenchError):
    """A codebook file or codebook edit is invalid."""


class ImportFailed(CodebenchError):
    """A transcript or data file could not be imported."""


class OutputFailed(CodebenchError):
    """An output file could not be written (a folder in the way, permissions, a full disk)."""


class NotFound(CodebenchError):
    """A transcript, code, coder or segment named by the user does not exist."""


class NotCodable(CodebenchError):
    """A segment marked not codable (an interviewer turn, a header) was asked to be coded."""
