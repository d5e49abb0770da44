"""Noticing that another window or program changed the project file, cheaply.

Each screen keeps a :class:`FileWatch` and asks it on a timer (and before
acting) whether to re-read what it shows; the answer comes from SQLite's
``PRAGMA data_version`` through :meth:`codebench.project.Project.data_version`,
one pragma per look.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from codebench.errors import CodebenchError

if TYPE_CHECKING:
    from codebench.project import Project

#: Seconds between looks at the file from screens that list things (project, codebook).
WATCH_EVERY = 1.0


class FileWatch:
    """Whether the project file changed through another connection since the last look."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.version = self._read()

    def _read(self) -> int | None:
        try:
            return self.project.data_version()
        except (CodebenchError, sqlite3.Error):
            return None  # a closed or busy file: treated as unchanged until it answers

    def changed(self) -> bool:
        version = self._read()
        if version is None or version == self.version:
            return False
        self.version = version
        return True
