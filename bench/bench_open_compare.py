"""Opening a 5,000-segment transcript: this tree against another, as a ratio.

    python bench/bench_open_compare.py --base /tmp/base-tree      # base = an export of main
    python bench/bench_open_compare.py --base /tmp/base-tree --rounds 7 --size 80x24

Both trees open the same project (built once by this tree), each in its own
interpreter, alternating round by round so that the load of a shared machine
falls on both alike. Each run times ``open_transcript`` → idle (headless
``run_test``); the figures are the medians per tree and their ratio
(this tree / base: below 1 is faster). The first-run overlay is switched off
(``CODEBENCH_NO_WELCOME``) so both trees time the same thing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


async def _child_open(path: Path, name: str, size: tuple[int, int]) -> float:
    from codebench.project import Project
    from codebench.tui.app import make_app

    with Project.open(path) as project:
        app = make_app(project, coder="alice")
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            start = time.perf_counter()
            app.open_transcript(name)
            await pilot.pause()
            await app.workers.wait_for_complete()
            return time.perf_counter() - start


def _run_child(tree: Path, db: Path, size: str) -> float:
    env = dict(os.environ, PYTHONPATH=str(tree), CODEBENCH_NO_WELCOME="1")
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(db), "--size", size],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tree,
    )
    return float(result.stdout.strip().splitlines()[-1])


def _build_with(tree: Path, folder: Path) -> Path:
    """The benchmark project, built by ``tree``'s own code (each tree opens a project of its
    own schema: an older tree refuses a project a newer one has migrated)."""
    folder.mkdir()
    env = dict(os.environ, PYTHONPATH=str(tree), CODEBENCH_NO_WELCOME="1")
    result = subprocess.run(
        [sys.executable, __file__, "--build", str(folder)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tree,
    )
    return Path(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, help="the other tree (a checkout or export)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", default="160x45", help="terminal size, WIDTHxHEIGHT")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build is not None:
        sys.path.insert(0, str(HERE / "bench"))
        from bench_tui import build

        print(build(args.build))
        return
    width, height = (int(part) for part in args.size.split("x"))
    if args.child is not None:
        print(asyncio.run(_child_open(args.child, "large", (width, height))))
        return
    if args.base is None:
        parser.error("--base is required")
    with tempfile.TemporaryDirectory() as tmp:
        base_db = _build_with(args.base.resolve(), Path(tmp) / "base")
        our_db = _build_with(HERE, Path(tmp) / "ours")
        ours: list[float] = []
        base: list[float] = []
        for _ in range(args.rounds):
            base.append(_run_child(args.base.resolve(), base_db, args.size))
            ours.append(_run_child(HERE, our_db, args.size))
    ratio = statistics.median(ours) / statistics.median(base)
    print(
        f"open 5,000 segments at {args.size}: base median {statistics.median(base) * 1000:.0f} ms"
        f" (best {min(base) * 1000:.0f}), this tree median {statistics.median(ours) * 1000:.0f} ms"
        f" (best {min(ours) * 1000:.0f}); ratio {ratio:.2f}"
    )


if __name__ == "__main__":
    main()
