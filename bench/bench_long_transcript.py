"""Benchmark: reports on one long transcript (20,000 segments, 100,000 codings).

The shape of issue 22: a single transcript long enough that anything done
"per segment, over the transcript's codings" is quadratic. Builds (once,
then reuses) a project with the default codebook, one transcript of 20,000
sentence segments (every fifth an interviewer turn), two coders with 50,000
codings each (mostly whole segments, some spanning two or three, some part
of a sentence) and a few hundred memos. The data goes in with plain
``executemany`` (the bench is not the core).

Timed, each from a fresh start: the progress report, ``report html`` (the
whole page, as the CLI writes it) and ``report quotes -o x.docx``.
Each is compared with a plain SQL baseline in the same run: reading every
coding and segment row of the transcript once (``SELECT … FROM codings`` and
``… FROM segments``, fetched into Python), the least any report on these
codings must do. Not a pass/fail test: it prints figures for docs/reports.md.

    python bench/bench_long_transcript.py
    python bench/bench_long_transcript.py --rebuild --runs 3
    python bench/bench_long_transcript.py --segments 5000 --codings 25000   # a smaller shape
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.project import Project

WORDS = ["staff", "council", "mutual", "service", "board", "members", "trust", "care", "money"]
STAMP = "2025-01-01T00:00:00.000+00:00"


def build(path: Path, segments: int, codings: int, seed: int = 22) -> None:
    """Write the benchmark project to ``path`` (replacing any old one)."""
    for old in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        old.unlink(missing_ok=True)
    Project.init(path, load_codebook(default_codebook_path())).close()
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    codes = [r[0] for r in conn.execute("SELECT id FROM codes ORDER BY id")]
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO coders (guid, name, kind, created_at) VALUES (?, ?, 'human', ?)",
        [("bench-alice", "alice", STAMP), ("bench-bob", "bob", STAMP)],
    )
    coders = [r[0] for r in conn.execute("SELECT id FROM coders ORDER BY name")]
    pieces, spans, rows, position = [], [], [], 0
    for i in range(segments):
        interviewer = i % 5 == 0
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12))) + "."
        spans.append((position, position + len(text)))
        rows.append(
            (
                1,
                i,
                position,
                position + len(text),
                "Interviewer" if interviewer else "Participant",
                0 if interviewer else 1,
                2 * (i // 5) + (0 if interviewer else 1),
                i // 5,
            )
        )
        pieces.append(text)
        position += len(text) + 1
    text = " ".join(pieces)
    conn.execute(
        "INSERT INTO transcripts (id, guid, name, text, sha256, source_name, source_format, imported_at)"
        " VALUES (1, 'bench-long', 'long', ?, ?, 'long.txt', 'txt', ?)",
        [text, hashlib.sha256(text.encode()).hexdigest(), STAMP],
    )
    conn.executemany(
        "INSERT INTO segments (transcript_id, ordinal, start_char, end_char, speaker, codable, turn, paragraph)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    codable = [k for k in range(segments) if k % 5]
    keys: set[tuple[int, int, int, int]] = set()
    while len(keys) < codings:
        k = rng.choice(codable)
        start, end = spans[k]
        roll = rng.random()
        if roll < 0.05 and k + 2 < segments:  # two or three segments
            end = spans[k + rng.randint(1, 2)][1]
        elif roll < 0.08 and end - start > 6:  # part of a sentence
            start, end = start + 2, end - 2
        keys.add((rng.choice(coders), rng.choice(codes), start, end))
    conn.executemany(
        "INSERT INTO codings (coder_id, code_id, transcript_id, start_char, end_char, created_at)"
        " VALUES (?, ?, 1, ?, ?, ?)",
        [(*key, STAMP) for key in sorted(keys)],
    )
    coding_ids = [r[0] for r in conn.execute("SELECT id FROM codings ORDER BY id")]
    conn.executemany(
        "INSERT INTO memos (guid, author_id, transcript_id, coding_id, code_id, text, created_at, updated_at)"
        " SELECT ?, coder_id, transcript_id, id, code_id, ?, ?, ? FROM codings WHERE id = ?",
        [
            (f"bench-memo-{i}", f"memo {i}", STAMP, STAMP, cid)
            for i, cid in enumerate(rng.sample(coding_ids, min(300, len(coding_ids))))
        ],
    )
    conn.executemany(
        "INSERT INTO coder_status (coder_id, transcript_id, status, updated_at) VALUES (?, 1, 'in-progress', ?)",
        [(k, STAMP) for k in coders],
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def timed(function: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """(median wall, best wall, median CPU) seconds over ``runs`` calls, after one warm-up call."""
    function()
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), min(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--path", type=Path, default=Path(tempfile.gettempdir()) / "codebench-bench-long.db"
    )
    parser.add_argument("--rebuild", action="store_true", help="Build the project again.")
    parser.add_argument("--segments", type=int, default=20_000)
    parser.add_argument("--codings", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--only", choices=("progress", "html", "docx"), action="append", help="Time only these."
    )
    args = parser.parse_args()

    if args.rebuild or not args.path.exists():
        start = time.perf_counter()
        build(args.path, args.segments, args.codings)
        print(f"built {args.path} in {time.perf_counter() - start:.1f} s")

    from codebench import reports
    from codebench.reports import writers

    project = Project.open(args.path)
    n_codings = project.db.execute("SELECT count(*) FROM codings").fetchone()[0]
    n_segments = project.db.execute("SELECT count(*) FROM segments").fetchone()[0]
    print(
        f"{n_segments:,} segments, {n_codings:,} codings in one transcript, "
        f"coders: {', '.join(c.name for c in project.coders())}"
    )

    def baseline() -> object:
        codings = project.db.conn.execute(
            "SELECT id, coder_id, code_id, transcript_id, start_char, end_char FROM codings"
        ).fetchall()
        segments = project.db.conn.execute(
            "SELECT id, ordinal, start_char, end_char, speaker, codable FROM segments"
        ).fetchall()
        return len(codings) + len(segments)

    cases: list[tuple[str, str, Callable[[], object]]] = [
        ("baseline", "plain SQL: every coding and segment row", baseline),
        ("progress", "progress report", lambda: reports.coding_progress(project)),
        ("html", "report html", lambda: writers.render(reports.full_report(project), "html")),
        (
            "docx",
            "report quotes -o x.docx",
            lambda: writers.render(reports.quotes(project), "docx"),
        ),
    ]
    wanted = {"baseline", *(args.only or ("progress", "html", "docx"))}
    load_before = os.getloadavg()[0]
    results = []
    for key, name, function in cases:
        if key in wanted:
            results.append((name, *timed(function, args.runs)))
    base_median, base_best = results[0][1], results[0][2]
    print(f"\n{'':42} {'median':>8} {'best':>8} {'CPU':>8} {'× base (median/best)':>22}")
    for name, median, best, cpu in results:
        ratio = f"{median / base_median:.0f}× / {best / base_best:.0f}×"
        print(f"{name:42} {median:7.3f}s {best:7.3f}s {cpu:7.3f}s {ratio:>22}")
    print(
        f"\nload average (1 min) before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} CPUs"
    )
    project.close()


if __name__ == "__main__":
    main()
