"""The linear progress sweep and the constant-time .docx paragraphs give the results they replaced."""

from __future__ import annotations

import io
import random
import zipfile

import pytest

from codebench.coding.listing import progress
from codebench.project import Project
from codebench.reports import codebook_document, full_report, quotes, render_docx
from codebench.reports.render_docx import docx_bytes


def brute_force_progress(project: Project, coder: str) -> dict[int, tuple[int, int]]:
    """Per transcript: codable segments some coding of ``coder`` overlaps, and codable segments."""
    mine = project.codings(coders=[coder])
    out = {}
    for t in project.transcripts():
        codable = [s for s in project.segments(t) if s.codable]
        if not codable:
            continue
        spans = [(c.start, c.end) for c in mine if c.transcript_id == t.id]
        coded = sum(1 for s in codable if any(a < s.end and b > s.start for a, b in spans))
        out[t.id] = (coded, len(codable))
    return out


def test_progress_edges_by_hand(interview: Project) -> None:
    """A coding ending where a segment starts, or starting where it ends, does not touch it."""
    seg = interview.segments("int1")
    # seg 1..4 codable, 5 interviewer, 6 codable.
    interview.add_codings("alice", "04", "int1", [(seg[1].start, seg[1].end)])  # 1 coded
    interview.add_codings("alice", "05", "int1", [(seg[2].end - 3, seg[3].start)])  # tail of 2
    interview.add_codings("alice", "06", "int1", [(seg[5].start, seg[5].end)])  # interviewer only
    interview.add_codings("alice", "07", "int1", [(seg[4].start + 1, seg[4].start + 2)])  # inside 4
    interview.add_codings("bob", "04", "int1", [(seg[0].start, seg[6].end)])  # everything
    assert progress(interview, "alice") == {seg[0].transcript_id: (3, 5)}
    assert progress(interview, "bob") == {seg[0].transcript_id: (5, 5)}
    for coder in ("alice", "bob"):
        assert progress(interview, coder) == brute_force_progress(interview, coder)


def test_progress_matches_brute_force_on_random_spans(interview: Project, write_interview) -> None:
    interview.import_files([write_interview("int2", tag="two")])
    rng = random.Random(22)
    for transcript in ("int1", "int2"):
        length = len(interview.text(transcript))
        for coder in ("alice", "bob"):
            spans = set()
            for _ in range(12):
                start = rng.randrange(length - 1)
                spans.add((start, min(length, start + rng.randint(1, 60))))
            interview.add_codings(coder, rng.choice(["04", "05", "12"]), transcript, sorted(spans))
    for coder in ("alice", "bob"):
        assert progress(interview, coder) == brute_force_progress(interview, coder)


def _parts(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {n: archive.read(n) for n in archive.namelist() if not n.startswith("docProps/")}


@pytest.mark.parametrize("kind", ["quotes", "quotes-context", "full", "codebook"])
def test_docx_paragraphs_are_what_python_docx_writes(
    small: Project, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = {
        "quotes": lambda: quotes(small),
        "quotes-context": lambda: quotes(small, context=True),
        "full": lambda: full_report(small, quote_codes=["12"], generated="2025-01-01"),
        "codebook": lambda: codebook_document(small),
    }[kind]()
    fast = _parts(docx_bytes(report))
    monkeypatch.setattr(render_docx, "appending", lambda document: document)
    plain = _parts(docx_bytes(report))
    assert fast == plain
    assert b"Intense Quote" in fast["word/styles.xml"]
