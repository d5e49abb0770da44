"""Benchmark: coding queries and project-wide search on the 1,000,000-coding project.

Uses the project of ``bench_reports.py`` (2,000 transcripts, 250,000
segments, two coders with 500,000 codings each, attributes ``role`` and
``organisation``), built once at ``--path`` and reused. Each case is timed
from a fresh start against a baseline measured in the same run, so the
ratios hold across machines (targets, issue 13):

- a three-code boolean query with one attribute scope
  (``04.2 & 10 & !16 --where role=commissioner``) against the equivalent
  hand-written SQL over the indexed codings table: at most 3×;
- a search for one word over every segment against the plain FTS5 query
  on the same index: at most 2×.

Not a pass/fail test: it prints figures for docs/analysis.md.

    python bench/bench_analysis.py                # build if missing, then time
    python bench/bench_analysis.py --rebuild --runs 7
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_reports import build, timed

from codebench.analysis.grammar import parse
from codebench.analysis.query import Evaluation, run_query
from codebench.analysis.scope import ScopeSpec, resolve_scope
from codebench.analysis.search import search
from codebench.analysis.words import word_frequencies
from codebench.project import Project

QUERY = "04.2 & 10 & !16"
WHERE = "role=commissioner"
WORD = "pension"

#: The query by hand: segments in scope overlapped by a coding of A and of B and of no C.
HAND_SQL = """
SELECT s.id
FROM segments s
JOIN attributes a ON a.transcript_id = s.transcript_id AND a.key = 'role' AND a.value = ?
JOIN codings c ON c.transcript_id = s.transcript_id
    AND c.code_id IN (?, ?, ?) AND c.coder_id IN (?, ?)
    AND c.start_char < s.end_char AND c.end_char > s.start_char
WHERE s.codable = 1
GROUP BY s.id
HAVING max(c.code_id = ?) = 1 AND max(c.code_id = ?) = 1 AND max(c.code_id = ?) = 0
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--path", type=Path, default=Path(tempfile.gettempdir()) / "codebench-bench-analysis.db"
    )
    parser.add_argument("--rebuild", action="store_true", help="Build the project again.")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    if args.rebuild or not args.path.exists():
        start = time.perf_counter()
        build(args.path)
        print(f"built {args.path} in {time.perf_counter() - start:.1f} s")

    project = Project.open(args.path)
    db = project.db
    if db.execute("SELECT count(*) FROM segment_fts").fetchone()[0] == 0:
        # bench_reports.build writes segments with plain SQL, past the store that indexes them.
        from codebench.store.analysis import index_transcript

        start = time.perf_counter()
        with project.transaction():
            for t in project.transcripts():
                index_transcript(db, t.id)
        print(f"indexed the segments' text in {time.perf_counter() - start:.1f} s")
    n_segments = db.execute("SELECT count(*) FROM segments").fetchone()[0]
    n_codings = db.execute("SELECT count(*) FROM codings").fetchone()[0]
    print(
        f"{n_codings:,} codings, {n_segments:,} segments, {len(project.transcripts()):,} transcripts"
    )

    a, b, c = (project.code(x).id for x in ("04.2", "10", "16"))
    coders = [k.id for k in project.coders()]
    role = WHERE.partition("=")[2]

    def hand_sql() -> object:
        return db.execute(HAND_SQL, [role, a, b, c, *coders, a, b, c]).fetchall()

    spec = ScopeSpec.of(where=[WHERE])

    def segments_only() -> object:
        scope = resolve_scope(project, spec)
        evaluation = Evaluation(project, QUERY, parse(QUERY), scope)
        return evaluation.seg.id[evaluation.matched()]

    expected = sorted(r[0] for r in hand_sql())
    assert sorted(segments_only().tolist()) == expected, "the query and the SQL disagree"
    result = run_query(project, QUERY, spec)
    assert result.segments == len(expected)

    def fts_plain() -> object:
        return db.execute(
            "SELECT rowid FROM segment_fts WHERE segment_fts MATCH ?", [WORD]
        ).fetchall()

    def fts_text() -> object:
        return db.execute(
            "SELECT rowid, body FROM segment_fts WHERE segment_fts MATCH ?", [WORD]
        ).fetchall()

    hits = search(project, WORD)

    def first_page() -> object:
        found = search(project, WORD)
        return found._read(found._segment_ids[:50])

    print(
        f"query {QUERY!r} --where {WHERE}: {len(expected):,} segments, {len(result.passages):,} passages; "
        f"search {WORD!r}: {len(hits.hits):,} hits in {hits.segments:,} segments"
    )
    cases: list[tuple[str, Callable[[], object], str | None, float | None]] = [
        ("hand-written SQL (baseline)", hand_sql, None, None),
        ("query: matching segments", segments_only, "hand-written SQL (baseline)", 3.0),
        (
            "query: passages with text",
            lambda: run_query(project, QUERY, spec),
            "hand-written SQL (baseline)",
            3.0,
        ),
        ("plain FTS5 rowids (baseline)", fts_plain, None, None),
        ("plain FTS5 rowids + text", fts_text, None, None),
        (
            "search: matching segments",
            lambda: search(project, WORD),
            "plain FTS5 rowids (baseline)",
            2.0,
        ),
        (
            "search: 50 hits with context",
            lambda: first_page(),
            "plain FTS5 rowids (baseline)",
            None,
        ),
        (
            "search: every hit with context",
            lambda: search(project, WORD).hits,
            "plain FTS5 rowids + text",
            None,
        ),
        ("words: top 20, every segment", lambda: word_frequencies(project), None, None),
    ]
    load_before = os.getloadavg()[0]
    medians: dict[str, tuple[float, float]] = {}
    print(
        f"\n{'':32} {'median':>8} {'best':>8} {'CPU':>8} {'× base (median/best)':>22} {'target':>10}"
    )
    for name, function, base, target in cases:
        median, best, cpu = timed(function, args.runs)
        medians[name] = (median, best)
        ratio = verdict = ""
        if base is not None:
            bm, bb = medians[base]
            ratio = f"{median / bm:.1f}× / {best / bb:.1f}×"
            if target is not None:
                verdict = f"≤ {target:g}× " + ("ok" if best / bb <= target else "missed")
        print(f"{name:32} {median:7.3f}s {best:7.3f}s {cpu:7.3f}s {ratio:>22} {verdict:>10}")
    print(
        f"\nload average (1 min) before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} CPUs; 'ok' judges the best run"
    )
    project.close()


if __name__ == "__main__":
    main()
