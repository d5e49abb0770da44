"""Workbench benchmarks (figures for docs/tui.md; not pass/fail).

    python bench/bench_tui.py            # all three
    python bench/bench_tui.py --quick    # smaller big project (100,000 codings)

1. Opening the coding screen on a 50- and a 5,000-segment transcript
   (headless ``run_test``, until idle).
2. Keystroke → coding committed and stripe redrawn, p50/p99 over 500 actions,
   on a project already holding 1,000,000 codings (built with one bulk insert).
3. Memory (tracemalloc peak and RSS growth) with the 5,000-segment transcript open.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from textual import events

from codebench.codebook import default_codebook_path, load_codebook
from codebench.project import Project
from codebench.store import session as session_sql
from codebench.tui.app import make_app
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
    report = project.import_files([write_transcript(folder, "small", 50), write_transcript(folder, "large", 5000)])
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
        segments = [(t.id, s.start, s.end) for t in project.transcripts() for s in project.segments(t)]
        rng = random.Random(1)
        rows = set()
        while len(rows) < total:
            tid, start, end = rng.choice(segments)
            rows.add((rng.choice(coders), rng.choice(codes), tid, start, end, "2025-01-01T00:00:00"))
        with project.transaction():
            session_sql.bulk_insert_codings(project.db, list(rows))
        project.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def time_keystrokes(path: Path, actions: int) -> list[float]:
    """Time from a ``.`` key press (apply the last codes again) to the stripe line being redrawn.

    The key is posted to the app as the terminal driver would; the clock
    stops when :class:`TranscriptView` renders the cursor segment's first
    line with the new code in its stripe (after the coding was committed).
    """
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
            done = 0
            while done < actions:
                await pilot.press("j")
                await pilot.pause()
                index = view.cursor
                if not session.segments[index].codable or code_id in session.own[index]:
                    continue
                drawn.clear()
                start = time.perf_counter()
                app.post_message(events.Key("full_stop", "."))
                await asyncio.wait_for(drawn.wait(), 5)
                timings.append(time.perf_counter() - start)
                done += 1
            assert len(session.own) and sum(1 for codes in session.own if code_id in codes) >= actions
        return timings


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--actions", type=int, default=500)
    args = parser.parse_args()
    total = 100_000 if args.quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = build(folder)
        for name in ("small", "large"):
            runs = [asyncio.run(time_open(path, name)) for _ in range(3)]
            best = min(r[0] for r in runs)
            print(f"open coding screen, {runs[0][1]:>5} segments: best of 3 {best * 1000:7.1f} ms  (runs: {', '.join(f'{r[0] * 1000:.0f}' for r in runs)} ms)")
        current, peak, rss = asyncio.run(memory(path))
        print(f"memory, 5,000-segment transcript open: tracemalloc current {current:.1f} MiB, peak {peak:.1f} MiB; process max RSS {rss:.0f} MiB")
        start = time.perf_counter()
        add_bulk_codings(path, total)
        print(f"bulk-inserted {total:,} codings in {time.perf_counter() - start:.1f} s")
        timings = asyncio.run(time_keystrokes(path, args.actions))
        ms = [t * 1000 for t in timings]
        print(
            f"keystroke → committed + redrawn over {len(ms)} actions ({total:,} codings in project): "
            f"p50 {statistics.median(ms):.2f} ms, p90 {pct(ms, 0.9):.2f} ms, p99 {pct(ms, 0.99):.2f} ms, max {max(ms):.2f} ms"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
