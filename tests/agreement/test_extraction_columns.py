"""The column-wise extraction of units gives what the row-by-row extraction gave.

``extract_units`` reads segments and codings per group as text columns and
maps them in numpy (issue 12, "Speed"). The reference here is the extraction
as it was before: one tuple per segment and per coding
(``agreement_sql.segment_rows`` / ``coding_rows``), mapped with Python
dictionaries, and the coded transcripts from the project's codings. Both run
on seeded random projects (partial and overlapping codings, spans across
segments, statuses, partial assignments, sub-codes) for every unit kind and
overlap rule, and must give equal arrays and equal unit lists.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from codebench.agreement import reliability_data as rd
from codebench.design.assignments import assign
from codebench.models import Coder
from codebench.project import Project
from codebench.store import agreement_sql

CODERS = ("ann", "ben", "cat")


def row_atoms(project: Project, t_ids: Sequence[int]) -> rd._Atoms:
    """The segments as before: one tuple per segment, mapped in Python."""
    rows = agreement_sql.segment_rows(project.db, t_ids)
    position = {tid: i for i, tid in enumerate(t_ids)}
    span = np.ones(len(t_ids), dtype=np.int64)
    for tid, _o, _s, end, _c, _turn in rows:
        span[position[tid]] = max(span[position[tid]], end + 1)
    base = np.concatenate([[0], np.cumsum(span)[:-1]]).astype(np.int64) if len(t_ids) else span
    codable = np.array([r for r in rows if r[4]], dtype=np.int64).reshape(-1, 6)
    t = np.array([position[x] for x in codable[:, 0]], dtype=np.int64)
    starts, ends = codable[:, 2], codable[:, 3]
    before = np.concatenate([[0], np.cumsum(ends - starts)]).astype(np.int64)
    return rd._Atoms(
        t, codable[:, 1], starts, ends, codable[:, 5], starts + base[t], ends + base[t], before,
        base, span,
    )  # fmt: skip


def row_codings(
    project: Project,
    coders: Sequence[Coder],
    t_ids: Sequence[int],
    code_index: dict[int, list[int]],
    atoms: rd._Atoms,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The codings as before: one tuple per coding, repeated per target code in Python."""
    rows = agreement_sql.coding_rows(project.db, [c.id for c in coders], t_ids, list(code_index))
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    arr = np.array(rows, dtype=np.int64)
    position = {tid: i for i, tid in enumerate(t_ids)}
    coder_pos = {c.id: i for i, c in enumerate(coders)}
    repeat = np.array([len(code_index[c]) for c in arr[:, 1]], dtype=np.int64)
    code_idx = np.array([t for c in arr[:, 1] for t in code_index[c]], dtype=np.int64)
    arr = np.repeat(arr, repeat, axis=0)
    coder_idx = np.array([coder_pos[k] for k in arr[:, 0]], dtype=np.int64)
    t_idx = np.array([position[t] for t in arr[:, 2]], dtype=np.int64)
    span = atoms.span[t_idx]
    start = np.clip(arr[:, 3], 0, span) + atoms.base[t_idx]
    end = np.clip(arr[:, 4], 0, span) + atoms.base[t_idx]
    return code_idx * len(coders) + coder_idx, start, end


def coded_from_codings(project: Project, coder_ids: Sequence[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {c: set() for c in coder_ids}
    for coding in project.codings():
        if coding.coder_id in out:
            out[coding.coder_id].add(coding.transcript_id)
    return out


def random_project(project: Project, write_transcript, seed: int) -> Project:
    """Four transcripts of random length, three coders coding at random."""
    rng = np.random.default_rng(seed)
    paths = []
    for t in range(4):
        lines = ["Interviewer: Tell me about it."]
        for turn in range(int(rng.integers(2, 7))):
            words = " ".join(
                f"Point {t} {turn} {k} is {'x' * int(rng.integers(1, 30))}."
                for k in range(int(rng.integers(1, 4)))
            )
            lines.append(f"Ann Lee: {words}")
            if rng.random() < 0.3:
                lines.append("Interviewer: Go on.")
        paths.append(write_transcript(f"t{t}.txt", "\n".join(lines) + "\n"))  # fmt: skip
    assert project.import_files(paths).ok
    codes = [c for c in project.codes()][:6]  # includes sub-codes of the default codebook
    for name in CODERS:
        project.coder(name, create=True)
    for t in project.transcripts():
        segs = project.segments(t)
        length = segs[-1].end
        for name in CODERS:
            if rng.random() < 0.15:
                continue  # this coder never touches this transcript
            for code in codes:
                spans: set[tuple[int, int]] = set()
                for seg in segs:
                    roll = rng.random()
                    if roll < 0.25:
                        spans.add((seg.start, seg.end))  # the whole segment
                    elif roll < 0.35:  # part of it, or across into the next ones
                        a = int(rng.integers(seg.start, seg.end))
                        b = min(length, a + int(rng.integers(1, 80)))
                        spans.add((a, b))
                if spans:
                    project.add_codings(name, code, t, sorted(spans))
            state = rng.choice(["done", "done", "in-progress", "not-started"])
            if state != "not-started":
                project.set_status(name, t, str(state))
    return project


def compare(project: Project, monkeypatch: pytest.MonkeyPatch, **options: object) -> None:
    fast = rd.extract_units(project, **options)  # type: ignore[arg-type]
    with monkeypatch.context() as m:
        m.setattr(rd._Atoms, "load", classmethod(lambda cls, p, t_ids: row_atoms(p, t_ids)))
        m.setattr(rd, "_codings", row_codings)
        m.setattr(
            agreement_sql, "coded_transcripts", lambda db, ids: coded_from_codings(project, ids)
        )
        slow = rd.extract_units(project, **options)  # type: ignore[arg-type]
    assert fast.data.shape == slow.data.shape
    assert fast.data.shape[2] > 0  # the comparison is not vacuous
    np.testing.assert_array_equal(fast.data, slow.data)
    for name in ("unit_transcript", "unit_start", "unit_end", "unit_segment"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name))
    if slow.weights is None:
        assert fast.weights is None
    else:
        np.testing.assert_array_equal(fast.weights, slow.weights)
    assert [t.id for t in fast.transcripts] == [t.id for t in slow.transcripts]
    assert fast.excluded == slow.excluded and fast.untouched == slow.untouched
    assert [c.id for c in fast.coders] == [c.id for c in slow.coders]
    assert fast.notes == slow.notes and fast.design == slow.design


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_column_extraction_equals_row_extraction(
    project: Project, write_transcript, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    random_project(project, write_transcript, seed)
    ids = [project.coder(n).id for n in CODERS] + [project.coder("nobody", create=True).id]
    coded = agreement_sql.coded_transcripts(project.db, ids)
    assert coded == coded_from_codings(project, ids) and coded[ids[-1]] == set()
    everyone = {"coders": list(CODERS)}
    for unit in ("segment", "turn", "character"):
        for overlap in (rd.DEFAULT, None, 0.3, 1.0):
            compare(project, monkeypatch, unit=unit, min_overlap=overlap, include_unfinished=True, **everyone)  # fmt: skip
        compare(project, monkeypatch, unit=unit, **everyone)
        compare(project, monkeypatch, unit=unit, child_implies_parent=True, include_unfinished=True, **everyone)  # fmt: skip
        compare(project, monkeypatch, unit=unit, level=1, include_unfinished=True, **everyone)
    compare(project, monkeypatch, include_unfinished=True)  # the default coders
    # Partial assignments: missingness from the design, the same on both paths.
    rng = np.random.default_rng(seed)
    for t in project.transcripts():
        n = len(project.segments(t))
        for name in CODERS[:2]:
            a = int(rng.integers(0, n))
            assign(project, name, [t], segments=[(a, min(n - 1, a + int(rng.integers(0, 4))))])
        assign(project, CODERS[2], [t])
    for unit in ("segment", "turn", "character"):
        compare(project, monkeypatch, unit=unit, include_unfinished=True, **everyone)
        compare(project, monkeypatch, unit=unit, min_overlap=0.5, include_unfinished=True, **everyone)  # fmt: skip


def test_a_position_that_is_not_a_whole_number_is_refused(project: Project) -> None:
    from codebench.errors import CodebenchError

    counts = np.array([2, 1], dtype=np.int64)
    good = rd._parse_ints(project, "codings", ["4,-1", "7"], counts, 1)
    assert good[:, 0].tolist() == [4, -1, 7]
    with pytest.raises(CodebenchError, match=r"project\.db: the codings table holds a position"):
        rd._parse_ints(project, "codings", ["4,-1", "7.5"], counts, 1)
