"""Plain dataclasses for the concepts of the data model.

The store returns these; the CLI, the TUI, reports and exchange consume them.
They carry database ids for speed inside one project and GUIDs/hashes for
identity across projects (merge, REFI-QDA).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codebench.safety import style_colour

CODER_KINDS = ("human", "consensus")
STATUSES = ("not-started", "in-progress", "done")


@dataclass(frozen=True)
class Coder:
    """A person (or the consensus pseudo-coder) who applies codes."""

    id: int
    guid: str
    name: str
    kind: str = "human"


@dataclass(frozen=True)
class Code:
    """One node of the codebook."""

    id: int
    guid: str
    name: str
    parent_id: int | None = None
    position: int = 0
    number: str | None = None
    description: str = ""
    inclusion: str = ""
    exclusion: str = ""
    example: str = ""
    colour: str | None = None
    shortcut: str | None = None
    archived: bool = False

    def __post_init__(self) -> None:
        # The colour is drawn as a style (terminal, workbench, charts, SVG). A value
        # that is not #RRGGBB (a hand-edited or hostile dump) would be parsed as a
        # style, a link or a crash there, so a code built from it has no colour.
        if self.colour is not None and style_colour(self.colour) is None:
            object.__setattr__(self, "colour", None)

    @property
    def label(self) -> str:
        """``"04.1 Advantages …"`` — number and name, as coders see it."""
        return f"{self.number} {self.name}" if self.number else self.name


@dataclass(frozen=True)
class Transcript:
    """An imported interview: its text (changed only by a correction, which keeps every version) and where it came from."""

    id: int
    guid: str
    name: str
    sha256: str
    source_name: str
    source_format: str
    language: str
    unit: str
    imported_at: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Segment:
    """A codable (or not) stretch of a transcript: ``text[start:end]``."""

    id: int
    transcript_id: int
    ordinal: int
    start: int
    end: int
    speaker: str | None
    codable: bool
    turn: int
    paragraph: int
    timestamp: float | None = None
    text: str = ""


@dataclass(frozen=True)
class Coding:
    """One coder's application of one code to a span of one transcript."""

    id: int
    coder_id: int
    code_id: int
    transcript_id: int
    start: int
    end: int
    created_at: str = ""


@dataclass(frozen=True)
class Memo:
    """A note on a transcript, segment, code or coding."""

    id: int
    guid: str
    author_id: int | None
    text: str
    transcript_id: int | None = None
    segment_id: int | None = None
    code_id: int | None = None
    coding_id: int | None = None
    created_at: str = ""
    updated_at: str = ""


@dataclass(frozen=True)
class Event:
    """One entry of the append-only event log."""

    id: int
    guid: str
    at: str
    coder_id: int | None
    transcript_id: int | None
    action: str
    payload: dict


@dataclass(frozen=True)
class TranscriptRemoval:
    """What removing a transcript took with it (its ``transcript.remove`` event records the same)."""

    name: str
    #: Codings removed, per coder name.
    codings: dict[str, int]
    memos: int
    segments: int
