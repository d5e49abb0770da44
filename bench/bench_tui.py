"""Workbench benchmarks (figures for docs/tui.md; not pass/fail).

    python bench/bench_tui.py            # all of it
    python bench/bench_tui.py --quick    # smaller big project (100,000 codings)

1. Opening the coding screen on a 50- and a 5,000-segment transcript
   (headless ``run_test``, until idle), five runs each: median and best.
2. Memory (tracemalloc peak and RSS growth) with the 5,000-segment transcript open.
3. Keystroke → coding committed and stripe redrawn, p50/p99 over 500 actions,
   on a project already holding 1,000,000 codings (built with one bulk insert);
   three runs, each on a fresh copy of that project. Each action is also split
   into "committed" (key posted → the action's transaction committed) and
   "redrawn" (→ the stripe line rendered).
4. The baseline for 3, measured in the same run on the same file: a bare
   committed single-row insert (one ``BEGIN IMMEDIATE`` … ``COMMIT`` each).

``--profile`` runs one more keystroke run under cProfile, switched on only from
the key press to the redrawn stripe, and prints where that time goes (the
functions with the most time of their own, and the most cumulative time).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from textual import events

from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.coding.session import CodingSession
from codebench.project import Project
from codebench.store import codings as coding_sql
from codebench.store import workbench as session_sql
from codebench.store.connection import checkpoint
from codebench.tui.app import make_app
from codebench.tui.widgets.status_bar import StatusBar
from codebench.tui.widgets.transcript_view import TranscriptView

SENTENCES = [
    "We spun out because the council wanted to cut costs and we wanted to keep the service together.",
    "Staff own a share of the company now, which changes how people talk about the work.",
    "Honestly the contracts are still the hardest part, every renewal feels like starting again.",
    "The board has two staff governors and a service user, and they do ask the awkward questions.",
    "We tried a new referral process last year and it halved the waiting list.",
    "Yes.",
]


def write_transcript(folder: Path, name: str, segments: int) -> Path:
    """An interview of alternating turns with ``segments`` sentences in all."""
    rng = random.Random(segments)
    lines, count, turn = [], 0, 0
    while count < segments:
        speaker = "Interviewer" if turn % 2 == 0 else "Sam Jones"
        size = 1 if speaker == "Interviewer" else rng.randint(3, 8)
        size = min(size, segments - count)
        lines.append(f"{speaker}: " + " ".join(rng.choice(SENTENCES) for _ in range(size)))
        count += size
        turn += 1
    path = folder / f"{name}.txt"
    path.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    return path


def build(folder: Path) -> Path:
    path = folder / "bench.db"
    project = Project.init(path, load_codebook(default_codebook_path()))
    report = project.import_files(
        [write_transcript(folder, "small", 50), write_transcript(folder, "large", 5000)]
    )
    assert report.ok, report.failed
    project.close()
    return path


async def time_open(path: Path, name: str) -> tuple[float, int]:
    with Project.open(path) as project:
        app = make_app(project, coder="alice")
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.pause()
            start = time.perf_counter()
            app.open_transcript(name)
            await pilot.pause()
            await app.workers.wait_for_complete()
            elapsed = time.perf_counter() - start
            count = len(app.screen.query_one(TranscriptView).session.segments)
    return elapsed, count


def add_bulk_codings(path: Path, total: int) -> None:
    """``total`` codings by 20 coders spread over the transcripts' segments (one transaction)."""
    with Project.open(path) as project:
        coders = [project.coder(f"coder{i:02d}", create=True).id for i in range(20)]
        codes = [c.id for c in project.codes()]
        segments = [
            (t.id, s.start, s.end) for t in project.transcripts() for s in project.segments(t)
        ]
        rng = random.Random(1)
        rows = set()
        while len(rows) < total:
            tid, start, end = rng.choice(segments)
            rows.add(
                (rng.choice(coders), rng.choice(codes), tid, start, end, "2025-01-01T00:00:00")
            )
        with project.transaction():
            session_sql.bulk_insert_codings(project.db, list(rows))
        checkpoint(project.db)


def time_bare_inserts(path: Path, count: int) -> list[float]:
    """The floor under a keystroke: one committed single-row coding insert, ``count`` times."""
    with Project.open(path) as project:
        coder = project.coder("bare-insert", create=True)
        code_id = project.codes()[0].id
        transcript = project.transcript("large")
        timings = []
        for i in range(count):
            start = time.perf_counter()
            with project.transaction():
                coding_sql.insert_coding(project.db, coder.id, code_id, transcript.id, i, i + 1)
            timings.append(time.perf_counter() - start)
    return timings


#: Per action of the last keystroke run: the time until the status bar was drawn again.
statuses: list[float] = []


async def time_keystrokes(
    path: Path,
    actions: int,
    profiler: cProfile.Profile | None = None,
    starts: list[float] | None = None,
) -> tuple[list[float], list[float]]:
    """Time from a ``.`` key press (apply the last codes again) to the stripe line being redrawn.

    The key is posted to the app as the terminal driver would; the clock
    stops when :class:`TranscriptView` renders the cursor segment's first
    line with the new code in its stripe (after the coding was committed).
    Returns the totals and, for the same actions, the time until the
    action's transaction had committed. ``starts`` receives each timed key's
    ``perf_counter`` at its posting (to match keys with what ran meanwhile).
    """
    committed_at: list[float] = []
    change = CodingSession._change

    def timed_change(self: CodingSession, *args, **kwargs):  # type: ignore[no-untyped-def]
        outcome = change(self, *args, **kwargs)
        committed_at.append(time.perf_counter())
        return outcome

    with Project.open(path) as project:
        app = make_app(project, coder="alice", transcript="large")
        timings: list[float] = []
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.pause()
            await pilot.press("c", "0", "4", "enter")
            await pilot.pause()
            view = app.screen.query_one(TranscriptView)
            session = view.session
            code_id = project.code("04").id
            drawn = asyncio.Event()
            original = view._render_text_line

            def watched(index: int, row: int, width: int):  # type: ignore[no-untyped-def]
                strip = original(index, row, width)
                if index == view.cursor and row == 0 and code_id in session.own[index]:
                    drawn.set()
                return strip

            view._render_text_line = watched  # type: ignore[method-assign]
            # The status bar and the sidebar's count follow the stripe a frame later.
            status = app.screen.query_one(StatusBar)
            status_drawn = asyncio.Event()
            status_render = status.render_lines

            def status_watched(crop):  # type: ignore[no-untyped-def]
                status_drawn.set()
                return status_render(crop)

            status.render_lines = status_watched  # type: ignore[method-assign]
            session._change = timed_change.__get__(session)  # type: ignore[method-assign]
            commits: list[float] = []
            statuses.clear()
            done = 0
            while done < actions:
                await pilot.press("j")
                await pilot.pause()
                index = view.cursor
                if not session.segments[index].codable or code_id in session.own[index]:
                    continue
                drawn.clear()
                status_drawn.clear()
                committed_at.clear()
                if profiler is not None:
                    profiler.enable()
                start = time.perf_counter()
                if starts is not None:
                    starts.append(start)
                app.post_message(events.Key("full_stop", "."))
                await asyncio.wait_for(drawn.wait(), 5)
                timings.append(time.perf_counter() - start)
                await asyncio.wait_for(status_drawn.wait(), 5)
                statuses.append(time.perf_counter() - start)
                if profiler is not None:
                    profiler.disable()
                commits.append(committed_at[0] - start)
                done += 1
            assert (
                len(session.own) and sum(1 for codes in session.own if code_id in codes) >= actions
            )
        return timings, commits


async def memory(path: Path) -> tuple[float, float, float]:
    gc.collect()
    with Project.open(path) as project:
        app = make_app(project, coder="alice")
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.pause()
            tracemalloc.start()
            app.open_transcript("large")
            await pilot.pause()
            for _ in range(20):
                await pilot.press("pagedown")
            current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return current / 2**20, peak / 2**20, rss_after


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def spread(seconds: list[float]) -> str:
    ms = [t * 1000 for t in seconds]
    return f"p50 {statistics.median(ms):.2f} ms, p90 {pct(ms, 0.9):.2f} ms, p99 {pct(ms, 0.99):.2f} ms, max {max(ms):.2f} ms"


def fresh_copy(source: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--actions", type=int, default=500)
    parser.add_argument(
        "--opens", type=int, default=5, help="runs of each open (median and best reported)"
    )
    parser.add_argument(
        "--keystroke-runs",
        type=int,
        default=3,
        help="keystroke runs, each on a fresh copy of the big project",
    )
    parser.add_argument(
        "--profile", action="store_true", help="then profile one keystroke run (see the docstring)"
    )
    args = parser.parse_args()
    os.environ.setdefault(
        "CODEBENCH_NO_WELCOME", "1"
    )  # time the screens, not the first-run overlay
    total = 100_000 if args.quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = build(folder)
        for name in ("small", "large"):
            runs = [asyncio.run(time_open(path, name)) for _ in range(args.opens)]
            times = [r[0] * 1000 for r in runs]
            print(
                f"open coding screen, {runs[0][1]:>5} segments: median {statistics.median(times):6.1f} ms, best {min(times):6.1f} ms"
                f"  (runs: {', '.join(f'{t:.0f}' for t in times)} ms)"
            )
        current, peak, rss = asyncio.run(memory(path))
        print(
            f"memory, 5,000-segment transcript open: tracemalloc current {current:.1f} MiB, peak {peak:.1f} MiB; process max RSS {rss:.0f} MiB"
        )
        start = time.perf_counter()
        add_bulk_codings(path, total)
        print(f"bulk-inserted {total:,} codings in {time.perf_counter() - start:.1f} s")
        bare = time_bare_inserts(fresh_copy(path, folder / "bare.db"), args.actions)
        print(
            f"baseline: bare committed single-row insert over {len(bare)} inserts ({total:,} codings in project): {spread(bare)}"
        )
        medians = []
        for run in range(args.keystroke_runs):
            timings, commits = asyncio.run(
                time_keystrokes(fresh_copy(path, folder / "keys.db"), args.actions)
            )
            medians.append((statistics.median(timings), pct(timings, 0.99)))
            print(
                f"keystroke run {run + 1}: → committed + redrawn over {len(timings)} actions ({total:,} codings in project): {spread(timings)}"
            )
            print(f"                 of which → committed: {spread(commits)}")
            print(f"                 → status bar and sidebar drawn too: {spread(statuses)}")
        if len(medians) > 1:
            print(
                f"keystroke, median of {len(medians)} runs: p50 {statistics.median(m[0] for m in medians) * 1000:.2f} ms,"
                f" p99 {statistics.median(m[1] for m in medians) * 1000:.2f} ms"
            )
        if args.profile:
            profiler = cProfile.Profile()
            timings, _ = asyncio.run(
                time_keystrokes(fresh_copy(path, folder / "keys.db"), args.actions, profiler)
            )
            print(f"profiled run: {spread(timings)} (cProfile's own overhead included)")
            stats = pstats.Stats(profiler).strip_dirs()
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats(40)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
