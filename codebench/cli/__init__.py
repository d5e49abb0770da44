"""The ``codebench`` command line: thin wrappers over the core library.

Every command opens the project, makes one library call and renders the
result. Errors the user can fix print as one ``Error:`` line with a
non-zero exit, never a traceback.
"""

from __future__ import annotations

from codebench.cli.app import cli, main

__all__ = ["cli", "main"]
