"""Keystroke latency in the workbench while background syncs run (figures for docs/team.md).

    python bench/bench_team_keys.py [--codings 10000] [--actions 300] [--every 0.5]

A local cluster (fsync on), a lead and one coder, ``alice``. Her copy holds
``--codings`` codings of her own (pushed once before timing), so each of her
syncs compares them all with what was pushed: the Python work a sync does
while the coder types. Then, in the same run on fresh copies of the same file,
the keystroke of ``bench_tui.py`` (``.`` → coding committed and stripe
redrawn) is timed ``--actions`` times:

1. without any background sync (the baseline);
2. with the workbench's background sync every ``--every`` seconds (so a sync,
   which has a new coding to push after every key, is under way for most of
   the run); keystrokes are split into those that overlapped a sync and those
   that did not.
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

        real = background.is_team_copy
        background.is_team_copy = lambda project: False  # type: ignore[assignment]
        try:
            base, _ = asyncio.run(time_keystrokes(fresh_copy(source, root / "k1.db"), args.actions))
        finally:
            background.is_team_copy = real  # type: ignore[assignment]
        print(f"keystroke, no sync:        {_spread(base)}")

        spans: list[tuple[float, float]] = []
        run = background.BackgroundSync.run

        def timed(self: background.BackgroundSync, *, wait: bool = False) -> background.SyncState:
            started = time.perf_counter()
            try:
                return run(self, wait=wait)
            finally:
                spans.append((started, time.perf_counter()))

        starts: list[float] = []

        os.environ["CODEBENCH_SYNC_EVERY"] = str(args.every)
        background.BackgroundSync.run = timed  # type: ignore[method-assign]
        try:
            timings, _ = asyncio.run(
                _keys_noting_starts(fresh_copy(source, root / "k2.db"), args.actions, starts)
            )
        finally:
            background.BackgroundSync.run = run  # type: ignore[method-assign]
            del os.environ["CODEBENCH_SYNC_EVERY"]
        during = [
            t
            for s, t in zip(starts, timings, strict=True)
            if any(a <= s + t and s <= b for a, b in spans)
        ]
        apart = [
            t
            for s, t in zip(starts, timings, strict=True)
            if not any(a <= s + t and s <= b for a, b in spans)
        ]
        syncs = [b - a for a, b in spans]
        print(
            f"background syncs during the run: {len(syncs)}, each median"
            f" {statistics.median(syncs) * 1000:.0f} ms, max {max(syncs) * 1000:.0f} ms"
            if syncs
            else "background syncs during the run: none"
        )
        print(f"keystroke, with syncs (all): {_spread(timings)}")
        if during:
            print(f"  overlapping a sync ({len(during)}): {_spread(during)}")
        if apart:
            print(f"  between syncs ({len(apart)}):     {_spread(apart)}")
    finally:
        try:
            localserver.stop(root / "cluster")
        finally:
            shutil.rmtree(root, ignore_errors=True)


async def _keys_noting_starts(
    path: Path, actions: int, starts: list[float]
) -> tuple[list[float], list[float]]:
    """:func:`bench_tui.time_keystrokes`, noting when each timed key was posted."""
    from textual.app import App

    post = App.post_message

    def noting(self: App, message):  # type: ignore[no-untyped-def,type-arg]
        if getattr(message, "key", None) == "full_stop":
            starts.append(time.perf_counter())
        return post(self, message)

    App.post_message = noting  # type: ignore[method-assign]
    try:
        return await time_keystrokes(path, actions)
    finally:
        App.post_message = post  # type: ignore[method-assign]


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


def _spread(seconds: list[float]) -> str:
    ms = [t * 1000 for t in seconds]
    return (
        f"p50 {statistics.median(ms):.2f} ms, p99 {pct(ms, 0.99):.2f} ms, max {max(ms):.2f} ms"
        f" ({len(ms)} keys)"
    )


if __name__ == "__main__":
    main()
