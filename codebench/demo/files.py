"""The bundled demo: the default codebook and the sample interviews.

In a repository checkout they live in the top-level ``codebooks/`` and
``transcripts/`` folders; an installed wheel carries copies under
``codebench/_demo/``. :func:`data_dir` finds whichever is present, so the demo
works both ways.
"""

from __future__ import annotations

from pathlib import Path

from codebench.errors import CodebenchError

_PACKAGE = Path(__file__).resolve().parent.parent


def data_dir(kind: str) -> Path:
    """The folder holding bundled ``codebooks`` or ``transcripts``."""
    for candidate in (_PACKAGE / "_demo" / kind, _PACKAGE.parent / kind):
        if candidate.is_dir():
            return candidate
    raise CodebenchError(
        f"bundled {kind} not found (looked in {_PACKAGE / '_demo'} and {_PACKAGE.parent})"
    )


def demo_transcripts() -> list[Path]:
    """The sample interview files, in name order (attributes and codings excluded)."""
    folder = data_dir("transcripts")
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in {".txt", ".md", ".docx", ".vtt", ".srt", ".rtf"}
    )


def demo_attributes() -> Path | None:
    """``transcripts/attributes.csv`` if it ships."""
    path = data_dir("transcripts") / "attributes.csv"
    return path if path.exists() else None


def demo_codings() -> list[Path]:
    """Coders' demo codings (``transcripts/codings/*.csv``), if any ship."""
    folder = data_dir("transcripts") / "codings"
    return (
        sorted(p for p in folder.glob("*.csv") if p.name != "done.csv") if folder.is_dir() else []
    )
