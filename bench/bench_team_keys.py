"""Keystroke latency in the workbench while background syncs run (figures for docs/team.md).

    python bench/bench_team_keys.py [--codings 10000] [--actions 300] [--every 0.5]

A local cluster (fsync on), a lead and one coder, ``alice``. Her copy holds
``--codings`` codings of her own (pushed once before timing), so each of her
syncs compares them all with what was pushed: the Python work a sync does
while the coder types. Then, in the same run on fresh copies of the same file,
the keystroke of ``bench_tui.py`` (``.`` → coding committed and stripe
redrawn) is timed ``--actions`` times:

1. without any background sync (the baseline);
2. with the workbench's background sync every ``--every`` seconds (a sync
   has a new coding to push after every key); keystrokes are split into those
   that overlapped a sync and those that did not;
3. as 2, but with the screen re-reading the file after every commit of
   another connection (as it did before a team copy's write marks let it
   skip a sync that only noted a push).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench_tui import build, fresh_copy, pct, time_keystrokes

from codebench.design.assignments import assign
from codebench.project import Project
from codebench.store import workbench as session_sql
from codebench.team import background, localserver
from codebench.team.connect import connect
from codebench.team.copies import clone, publish
from codebench.team.hub_schema import migrate
from codebench.team.members import add_member
from codebench.team.sync import sync, waiting


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codings", type=int, default=10_000)
    parser.add_argument("--actions", type=int, default=300)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between syncs")
    parser.add_argument("--lag-only", action="store_true", help="only the event loop's lateness")
    args = parser.parse_args()
    os.environ["CODEBENCH_NO_WELCOME"] = "1"
    root = Path(tempfile.mkdtemp(prefix="codebench-bench-keys-", dir="/tmp"))
    root.chmod(0o755)
    try:
        server = localserver.start(root / "cluster")
        url = localserver.create_database(server, "bench")
        with connect(url, passfile=server.passfile) as conn:
            migrate(conn, url)
        lines = [server.passfile.read_text(encoding="utf-8")]
        for name, role in (("lee", "lead"), ("alice", "coder")):
            added = add_member(url, name, role=role, passfile=server.passfile)
            lines.append(f"127.0.0.1:{server.port}:bench:{name}:{added.password}\n")
        passfile = root / "pgpass"
        passfile.write_text("".join(lines), encoding="utf-8")
        passfile.chmod(0o600)
        os.environ["PGPASSFILE"] = str(passfile)

        lead_path = build(root)
        with Project.open(lead_path) as lead:
            lead.coder("lee", create=True)
            lead.coder("alice", create=True)
            assign(lead, "alice", ["small", "large"])
            publish(lead, f"postgresql://lee@127.0.0.1:{server.port}/bench")
        source = root / "alice.db"
        clone(f"postgresql://alice@127.0.0.1:{server.port}/bench", source, coder="alice")
        _own_codings(source, args.codings)
        with Project.open(source) as copy:
            started = time.perf_counter()
            sync(copy)
            first = time.perf_counter() - started
            assert waiting(copy) == 0
            started = time.perf_counter()
            sync(copy)
            idle = time.perf_counter() - started
        print(
            f"alice's copy: {args.codings:,} codings of her own pushed in {first:.2f} s;"
            f" a sync with nothing new {idle * 1000:.0f} ms"
        )

        if not args.lag_only:
            real = background.is_team_copy
            background.is_team_copy = lambda project: False  # type: ignore[assignment]
            try:
                base, _ = asyncio.run(
                    time_keystrokes(fresh_copy(source, root / "k1.db"), args.actions)
                )
            finally:
                background.is_team_copy = real  # type: ignore[assignment]
            print(f"keystroke, no sync:        {_spread(base)}")

            for label, reread in (
                ("with syncs", False),
                ("with syncs, every commit re-read", True),
            ):
                _with_syncs(source, root / "k2.db", args, label, reread=reread)
        _loop_lag(fresh_copy(source, root / "k3.db"), seconds=10.0)
    finally:
        try:
            localserver.stop(root / "cluster")
        finally:
            shutil.rmtree(root, ignore_errors=True)


def _with_syncs(
    source: Path, path: Path, args: argparse.Namespace, label: str, *, reread: bool
) -> None:
    """The keystroke run with background syncs every ``--every`` s; ``reread``: the screen
    re-reads the file after every outside commit, as before write marks (the old behaviour)."""
    spans: list[tuple[float, float]] = []
    run = background.BackgroundSync.run
    marks = session_sql.write_marks

    def timed(self: background.BackgroundSync, *, wait: bool = False) -> background.SyncState:
        started = time.perf_counter()
        try:
            return run(self, wait=wait)
        finally:
            spans.append((started, time.perf_counter()))

    starts: list[float] = []
    os.environ["CODEBENCH_SYNC_EVERY"] = str(args.every)
    background.BackgroundSync.run = timed  # type: ignore[method-assign]
    if reread:
        session_sql.write_marks = lambda db: None  # type: ignore[assignment]
    try:
        timings, _ = asyncio.run(
            time_keystrokes(fresh_copy(source, path), args.actions, starts=starts)
        )
    finally:
        background.BackgroundSync.run = run  # type: ignore[method-assign]
        session_sql.write_marks = marks  # type: ignore[assignment]
        del os.environ["CODEBENCH_SYNC_EVERY"]

    def overlaps(start: float, took: float) -> bool:
        return any(a <= start + took and start <= b for a, b in spans)

    during = [t for s, t in zip(starts, timings, strict=True) if overlaps(s, t)]
    apart = [t for s, t in zip(starts, timings, strict=True) if not overlaps(s, t)]
    syncs = [b - a for a, b in spans]
    print(f"keystroke, {label}: {_spread(timings)}")
    if syncs:
        print(
            f"  {len(syncs)} background syncs, each median {statistics.median(syncs) * 1000:.0f} ms,"
            f" max {max(syncs) * 1000:.0f} ms"
        )
    if during:
        print(f"  keys overlapping a sync: {_spread(during)}")
    if apart:
        print(f"  keys between syncs:      {_spread(apart)}")


def _loop_lag(path: Path, *, seconds: float) -> None:
    """How late an event loop on this thread wakes (asked to sleep 1 ms), without and then with
    a background sync looping in a worker thread, each sync with a new coding to push.

    The keystroke runs above time a key from its posting, which the loop itself does, so
    a loop held up by the sync's thread would post fewer keys during syncs rather than
    show slow ones; a key from the terminal waits for the loop, and this is that wait.
    """
    import threading

    async def lateness() -> list[float]:
        late: list[float] = []
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            asked = time.perf_counter()
            await asyncio.sleep(0.001)
            late.append(time.perf_counter() - asked - 0.001)
        return late

    quiet = asyncio.run(lateness())
    stop = threading.Event()
    done: list[float] = []

    def syncing() -> None:
        runner = background.BackgroundSync(path)
        spans = _spans_of(path)
        i = 0
        while not stop.is_set():
            with Project.open(path) as copy:
                code, tid, start, end = spans[i % len(spans)]
                copy.db.execute(
                    "INSERT OR IGNORE INTO codings (coder_id, code_id, transcript_id, start_char,"
                    " end_char, created_at) VALUES (?, ?, ?, ?, ?, '2025-01-02T00:00:00')",
                    [copy.coder("alice").id, code, tid, start, end],
                )
                copy.db.conn.commit()
            i += 1
            started = time.perf_counter()
            runner.run()
            done.append(time.perf_counter() - started)
        runner.close()

    worker = threading.Thread(target=syncing)
    worker.start()
    try:
        busy = asyncio.run(lateness())
    finally:
        stop.set()
        worker.join()
    print(f"event loop lateness, no sync:           {_spread(quiet, 'wakes')}")
    print(
        f"event loop lateness, syncs back to back: {_spread(busy, 'wakes')};"
        f" {len(done)} syncs, median {statistics.median(done) * 1000:.0f} ms"
    )


def _spans_of(path: Path) -> list[tuple[int, int, int, int]]:
    """(code id, transcript id, start, end) to code: each segment of "large" with each code."""
    with Project.open(path) as project:
        codes = [c.id for c in project.codes()]
        large = project.transcript("large")
        return [(k, large.id, s.start, s.end) for s in project.segments(large) for k in codes]


def _own_codings(path: Path, total: int) -> None:
    """``total`` codings of alice's on the segments of her copy (one transaction)."""
    with Project.open(path) as project:
        coder = project.coder("alice").id
        codes = [c.id for c in project.codes()]
        segments = [
            (t.id, s.start, s.end)
            for t in project.transcripts()
            if t.name == "small"  # the keystrokes code "large": its segments start uncoded
            for s in project.segments(t)
        ]
        rng = random.Random(1)
        rows = set()
        while len(rows) < total:
            tid, start, end = rng.choice(segments)
            cut = rng.randrange(start, end)
            rows.add(
                (coder, rng.choice(codes), tid, start, max(cut, start + 1), "2025-01-01T00:00:00")
            )
        with project.transaction():
            session_sql.bulk_insert_codings(project.db, list(rows))


def _spread(seconds: list[float], noun: str = "keys") -> str:
    ms = [t * 1000 for t in seconds]
    return (
        f"p50 {statistics.median(ms):.2f} ms, p99 {pct(ms, 0.99):.2f} ms, max {max(ms):.2f} ms"
        f" ({len(ms)} {noun})"
    )


if __name__ == "__main__":
    main()
