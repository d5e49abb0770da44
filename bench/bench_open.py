"""What the integrity check costs when a project is opened for writing.

``open_database(write=True)`` runs ``PRAGMA quick_check`` before anything is
written; ``write=False`` (read commands) skips it. On the demo project and on
a 200-transcript project with 200,000 codings (``bench_merge``'s builder),
measures in the same run, each ``--repeat`` times (medians):

* baseline: opening for reading (pragmas, identity check, schema check);
* opening for writing (the same plus ``quick_check``);
* ``quick_check`` alone, and ``integrity_check`` alone for comparison
  (it also compares every index with its table).

Prints milliseconds and the write/read ratio (not pass/fail). Usage:
``python bench/bench_open.py [--transcripts 200] [--codings 200000] [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_merge import add_coder, build_base

from codebench.demo.build import build_demo
from codebench.store.connection import open_database


def median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def pragma(path: Path, name: str) -> Callable[[], object]:
    def run() -> object:
        conn = sqlite3.connect(path)
        try:
            return conn.execute(f"PRAGMA {name}").fetchall()
        finally:
            conn.close()

    return run


def measure(label: str, path: Path, repeat: int) -> None:
    open_database(path).close()  # migrate once, and warm the OS cache
    read = median_ms(lambda: open_database(path, write=False).close(), repeat)
    write = median_ms(lambda: open_database(path).close(), repeat)
    quick = median_ms(pragma(path, "quick_check"), repeat)
    full = median_ms(pragma(path, "integrity_check"), repeat)
    size = path.stat().st_size / 1e6
    print(
        f"{label:<28} {size:7.1f} MB  open to read {read:7.1f} ms  open to write {write:7.1f} ms"
        f"  (x{write / read:.1f})  quick_check {quick:7.1f} ms  integrity_check {full:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=200)
    parser.add_argument("--codings", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="codebench-bench-open-") as folder:
        demo = Path(folder) / "demo.db"
        build_demo(demo)
        measure("demo", demo, args.repeat)
        big = Path(folder) / "big.db"
        build_base(big, args.transcripts)
        add_coder(big, "alice", args.codings, seed=1)
        measure(f"{args.transcripts} transcripts, {args.codings} codings", big, args.repeat)


if __name__ == "__main__":
    main()
