"""Benchmark: ``import-codings`` of a 1,000,000-row CSV (issue 21).

Builds a project with the default codebook and 400 transcripts of 1,000
sentence segments each (every fifth an interviewer turn) with plain
``executemany``, and a CSV of ``--rows`` codings: two coders, every codable
segment of every transcript coded with several codes (no duplicates), 1 %
of rows with a memo. Then, each on a fresh copy of the same project file:

- the baseline: a plain ``executemany`` of the same rows, already resolved
  to ids (``coder_id, code_id, transcript_id, start, end, created_at``),
  into the codings table in one transaction, with its indexes;
- ``import_codings_csv`` on the CSV (what ``codebench import-codings``
  runs), in a child process so its peak memory is its own.

Target: the import within 3× the baseline's time and its memory growth
within 2× the CSV's size. Memory is reported three ways: the growth of
the child's peak RSS (``VmHWM``; ``ru_maxrss`` would count the parent's
memory from before ``exec``) over its RSS just before the import, Python's own
peak allocations (tracemalloc, measured in a separate run since tracing
slows it down), and the CSV's size. Not a pass/fail test: it prints figures
for docs/coding.md.

    python bench/bench_import_codings.py                 # 1,000,000 rows
    python bench/bench_import_codings.py --rows 100000 --runs 3
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from codebench.codebook.format import default_codebook_path, load_codebook  # noqa: E402 - after the path
from codebench.project import Project  # noqa: E402

TRANSCRIPTS = 400
SEGMENTS = 1_000
CODERS = ("alice", "bob")
WORDS = ["staff", "council", "mutual", "service", "board", "members", "trust", "care"]
STAMP = "2025-01-01T00:00:00.000+00:00"


def build_project(path: Path, seed: int = 21) -> None:
    """The project the rows are imported into: codebook, transcripts and segments, no codings."""
    for old in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        old.unlink(missing_ok=True)
    Project.init(path, load_codebook(default_codebook_path())).close()
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN")
    transcripts, segments = [], []
    for t in range(1, TRANSCRIPTS + 1):
        pieces, position = [], 0
        for i in range(SEGMENTS):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))) + "."
            interviewer = i % 5 == 0
            segments.append(
                (
                    t,
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
        transcripts.append(
            (
                t,
                f"bench-{t}",
                f"interview-{t:03d}",
                text,
                hashlib.sha256(text.encode()).hexdigest(),
                f"interview-{t:03d}.txt",
                "txt",
                STAMP,
            )
        )
    conn.executemany(
        "INSERT INTO transcripts (id, guid, name, text, sha256, source_name, source_format, imported_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        transcripts,
    )
    conn.executemany(
        "INSERT INTO segments (transcript_id, ordinal, start_char, end_char, speaker, codable, turn, paragraph)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        segments,
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def write_csv(path: Path, rows: int, numbers: list[str], seed: int = 21) -> None:
    """``rows`` distinct codings of codable segments, transcript by transcript, as users export them."""
    rng = random.Random(seed)
    codable = [i for i in range(SEGMENTS) if i % 5]
    per_transcript = -(-rows // TRANSCRIPTS)
    per_segment = -(-per_transcript // (len(codable) * len(CODERS)))
    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["coder", "transcript", "segment", "code", "memo"])
        for t in range(1, TRANSCRIPTS + 1):
            for coder in CODERS:
                for segment in codable:
                    for number in rng.sample(numbers, per_segment):
                        if written == rows:
                            return
                        memo = f"note on {segment}" if rng.random() < 0.01 else ""
                        out.writerow([coder, f"interview-{t:03d}", segment, number, memo])
                        written += 1


def resolved_rows(project_path: Path, csv_path: Path) -> list[tuple[int, int, int, int, int, str]]:
    """The CSV's rows as codings-table tuples (outside the timing)."""
    conn = sqlite3.connect(project_path)
    coders = {name: i for i, name in enumerate(CODERS, start=1)}
    codes = dict(conn.execute("SELECT number, id FROM codes WHERE number IS NOT NULL"))
    transcripts = dict(conn.execute("SELECT name, id FROM transcripts"))
    bounds = {
        (t, o): (s, e)
        for t, o, s, e in conn.execute(
            "SELECT transcript_id, ordinal, start_char, end_char FROM segments"
        )
    }
    conn.close()
    rows = []
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for coder, transcript, segment, code, _memo in reader:
            t = transcripts[transcript]
            start, end = bounds[(t, int(segment))]
            rows.append((coders[coder], codes[code], t, start, end, STAMP))
    return rows


def baseline(project_path: Path, rows: list[tuple[int, int, int, int, int, str]]) -> float:
    """Seconds for a plain ``executemany`` of ``rows`` into the codings table (coders inserted first)."""
    conn = sqlite3.connect(project_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO coders (id, guid, name, kind, created_at) VALUES (?, ?, ?, 'human', ?)",
        [(i, f"bench-{name}", name, STAMP) for i, name in enumerate(CODERS, start=1)],
    )
    conn.executemany(
        "INSERT INTO codings (coder_id, code_id, transcript_id, start_char, end_char, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


_CHILD = """
import json, sys, time, tracemalloc
from pathlib import Path
sys.path.insert(0, {root!r})
from codebench.coding.csv_import import import_codings_csv
from codebench.project import Project

def status_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0

project = Project.open({project!r})
trace = {trace!r}
if trace:
    tracemalloc.start()
before = status_kib("VmRSS")
start, cpu = time.perf_counter(), time.process_time()
result = import_codings_csv(project, Path({csv!r}))
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
peak_python = tracemalloc.get_traced_memory()[1] if trace else 0
project.close()
print(json.dumps({{"seconds": elapsed, "cpu": cpu, "rss_before_kib": before,
                   "peak_rss_kib": status_kib("VmHWM"),
                   "peak_python": peak_python, "rows": result.rows, "added": result.added,
                   "memos": result.memos}}))
"""


def run_import(project_path: Path, csv_path: Path, *, trace: bool = False) -> dict:
    """Run the import in a child process; its timings and memory figures."""
    code = _CHILD.format(root=str(ROOT), project=str(project_path), csv=str(csv_path), trace=trace)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(done.stderr.strip().splitlines()[-1] if done.stderr else "import failed")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def fresh_copy(template: Path, target: Path) -> Path:
    for old in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        old.unlink(missing_ok=True)
    shutil.copyfile(template, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1, help="Timed runs of each (median reported).")
    parser.add_argument(
        "--dir", type=Path, default=Path(tempfile.gettempdir()) / "codebench-bench-import"
    )
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    template = args.dir / "template.db"
    csv_path = args.dir / f"codings-{args.rows}.csv"
    start = time.perf_counter()
    if not template.exists():
        build_project(template)
    numbers = [c.number for c in Project.open(template).codes() if c.number]
    if not csv_path.exists():
        write_csv(csv_path, args.rows, numbers)
    rows = resolved_rows(template, csv_path)
    csv_bytes = csv_path.stat().st_size
    print(
        f"{len(rows):,} rows ({csv_bytes / 2**20:.1f} MiB CSV) into {TRANSCRIPTS} transcripts × "
        f"{SEGMENTS:,} segments; prepared in {time.perf_counter() - start:.1f} s"
    )

    work = args.dir / "work.db"
    load_before = os.getloadavg()[0]
    base_times, imports = [], []
    for _ in range(args.runs):
        base_times.append(baseline(fresh_copy(template, work), rows))
        imports.append(run_import(fresh_copy(template, work), csv_path))
    del rows
    traced = run_import(fresh_copy(template, work), csv_path, trace=True)
    base = statistics.median(base_times)
    seconds = statistics.median(r["seconds"] for r in imports)
    cpu = statistics.median(r["cpu"] for r in imports)
    growth = max(r["peak_rss_kib"] - r["rss_before_kib"] for r in imports) * 1024
    last = imports[-1]
    print(
        f"imported: {last['rows']:,} rows, {last['added']:,} codings added, {last['memos']:,} memos"
    )
    print(f"\n{'':44} {'median':>9} {'× baseline':>11}")
    print(f"{'plain executemany into codings (baseline)':44} {base:8.2f}s {1.0:10.1f}×")
    print(
        f"{'import_codings_csv (CPU ' + f'{cpu:.2f} s)':44} {seconds:8.2f}s {seconds / base:10.1f}×  (target ≤ 3×)"
    )
    print(
        f"\nmemory: CSV {csv_bytes / 2**20:.1f} MiB; import peak RSS growth {growth / 2**20:.1f} MiB "
        f"({growth / csv_bytes:.2f}× the CSV; target ≤ 2×); Python peak allocations "
        f"{traced['peak_python'] / 2**20:.1f} MiB ({traced['peak_python'] / csv_bytes:.2f}×); "
        f"peak RSS {last['peak_rss_kib'] / 1024:.0f} MiB of which {last['rss_before_kib'] / 1024:.0f} MiB "
        "before the import (interpreter, libraries)"
    )
    print(
        f"load average (1 min) before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
