"""codebench: a keyboard-first qualitative interview coding workbench.

The core is a library first::

    from codebench import Project
    with Project.open("codebench.db") as project:
        for transcript in project.transcripts():
            print(transcript.name, len(project.segments(transcript)))

Heavy modules load lazily so that ``codebench --help`` stays instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from codebench.codebook.format import Codebook, load_codebook
    from codebench.errors import CodebenchError
    from codebench.project import Project

__all__ = ["CodebenchError", "Codebook", "Project", "__version__", "load_codebook"]

_LAZY = {
    "Project": "codebench.project",
    "Codebook": "codebench.codebook.format",
    "load_codebook": "codebench.codebook.format",
    "CodebenchError": "codebench.errors",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'codebench' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
