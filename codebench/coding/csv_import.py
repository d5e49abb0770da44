"""Scripted coding from a CSV file (``coder, transcript, segment, code[, memo]``).

The whole file is one transaction: every row is checked first, and a bad row
aborts the import naming its line, so a half-applied file never muddles a
coder's work. Re-importing the same file changes nothing.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from codebench.coding.actions import apply_changes
from codebench.errors import CodebenchError, ImportFailed
from codebench.store import codings as coding_sql
from codebench.store import memos as memo_sql

if TYPE_CHECKING:
    from codebench.project import Project

REQUIRED = ("coder", "transcript", "segment", "code")


@dataclass
class CodingImportResult:
    rows: int
    added: int
    memos: int


def import_codings_csv(project: Project, path: Path) -> CodingImportResult:
    """Apply every row of ``path``; raises :class:`ImportFailed` naming the bad line."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise ImportFailed(f"{path}: cannot read ({error.strerror})") from None
    with handle:
        reader = csv.DictReader(handle)
        fields = [(f or "").strip().casefold() for f in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED if c not in fields]
        if missing:
            raise ImportFailed(
                f"{path}: missing column(s) {', '.join(missing)} (need coder, transcript, segment, code[, memo])"
            )
        planned: list[tuple[int, str, object, object, int, int, str]] = []
        segment_cache: dict[int, list] = {}
        for line, raw in enumerate(reader, start=2):
            row = {
                (k or "").strip().casefold(): (v or "").strip()
                for k, v in raw.items()
                if k is not None
            }
            try:
                if not row["coder"]:
                    raise CodebenchError("empty coder")
                transcript = project.transcript(row["transcript"])
                code = project.code(row["code"])
                try:
                    ordinal = int(row["segment"])
                except ValueError:
                    raise CodebenchError(f"segment {row['segment']!r} is not a number") from None
                segments = segment_cache.setdefault(transcript.id, project.segments(transcript))
                if not 0 <= ordinal < len(segments):
                    raise CodebenchError(f"transcript {transcript.name!r} has no segment {ordinal}")
            except CodebenchError as error:
                raise ImportFailed(f"{path}:{line}: {error}") from None
            seg = segments[ordinal]
            planned.append(
                (line, row["coder"], code, transcript, seg.start, seg.end, row.get("memo", ""))
            )
    by_coder: dict[str, list] = defaultdict(list)
    for _line, coder, code, transcript, start, end, _memo in planned:
        by_coder[coder].append((code, transcript, start, end))
    added = memos = 0
    with project.transaction():
        for coder, changes in by_coder.items():
            added += len(
                apply_changes(project, "coding.add", coder, changes, meta={"source": path.name})
            )
        for _line, coder, code, transcript, start, end, memo in planned:
            if not memo:
                continue
            k = project.coder(coder)
            coding = coding_sql.find_coding(project.db, k.id, code.id, transcript.id, start, end)  # type: ignore[attr-defined]
            if coding is None:
                continue
            existing = [
                m
                for m in memo_sql.list_memos(
                    project.db, transcript_id=transcript.id, author_id=k.id
                )
                if m.coding_id == coding.id
            ]  # type: ignore[attr-defined]
            if any(m.text == memo for m in existing):
                continue
            project.add_memo(k, memo, coding=coding)
            memos += 1
    return CodingImportResult(rows=len(planned), added=added, memos=memos)
