"""Team merge and JSONL dump throughput, against a plain SQLite copy measured in the same run.

Builds one coder's project per coder (default: 5) with 200 transcripts
(~100 segments each, the bundled codebook) and 200,000 codings plus a
``coding.add`` event per ten codings (``--codings-per-event``), all from the
same base so their transcripts share text.
Then measures:

* baseline: ``INSERT INTO codings SELECT * FROM src.codings`` of one file's
  codings into an empty project (attached database, foreign keys off): the
  floor for moving that many rows into the indexed table;
* ``export jsonl`` of one coder's file, and ``import-jsonl`` of that dump
  into an empty project (targets: each < 10 s);
* baseline for the merge: appending every file's codings, one
  ``INSERT … SELECT`` and one transaction per file, into one project's table;
* ``merge`` of all coders' files into an empty project (target < 10 s), and
  the same merge again (everything unchanged).

Prints seconds and ratios to the baseline (not pass/fail). Usage:
``python bench/bench_merge.py [--coders 5] [--transcripts 200] [--codings 200000]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.exchange.jsonl import export_jsonl, import_jsonl
from codebench.exchange.merge.run import merge
from codebench.ids import new_guid, stable_guid
from codebench.project import Project
from codebench.store import bulk

WORDS = [
    "staff",
    "board",
    "council",
    "contract",
    "mutual",
    "service",
    "members",
    "surplus",
    "trust",
    "care",
    "community",
    "budget",
    "clinic",
    "leisure",
    "nurse",
    "manager",
    "vote",
    "risk",
    "growth",
    "partner",
    "funding",
    "tender",
    "outcome",
    "value",
    "team",
]


def build_base(path: Path, transcripts: int, seed: int = 11) -> None:
    """A project with the bundled codebook and ``transcripts`` synthetic interviews (~100 segments each)."""
    rng = random.Random(seed)
    with (
        Project.init(path, load_codebook(default_codebook_path())) as project,
        project.transaction(),
    ):
        for i in range(transcripts):
            parts, segments, pos = [], [], 0
            for ordinal in range(100):
                sentence = (
                    " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize()
                    + ". "
                )
                parts.append(sentence)
                segments.append(
                    (
                        ordinal,
                        pos,
                        pos + len(sentence) - 1,
                        "Pat" if ordinal % 4 else "Interviewer",
                        int(ordinal % 4 != 0),
                        ordinal // 4,
                        ordinal // 8,
                        None,
                    )
                )
                pos += len(sentence)
            text = "".join(parts)
            sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
            t_id = bulk.insert_row(
                project.db,
                "transcripts",
                {
                    "guid": stable_guid("transcript", sha),
                    "name": f"interview-{i:03d}",
                    "text": text,
                    "sha256": sha,
                    "source_name": f"interview-{i:03d}.txt",
                    "source_format": "txt",
                    "language": "en",
                    "unit": "sentence",
                    "imported_at": "2025-01-01T00:00:00.000+00:00",
                },
            )
            bulk.insert_many(
                project.db,
                "segments",
                (
                    "transcript_id",
                    "ordinal",
                    "start_char",
                    "end_char",
                    "speaker",
                    "codable",
                    "turn",
                    "paragraph",
                    "timestamp",
                ),
                [(t_id, *s) for s in segments],
            )


def add_coder(path: Path, name: str, codings: int, seed: int, per_event: int = 10) -> None:
    """Give the project at ``path`` one coder's ``codings`` codings, statuses and events (executemany)."""
    rng = random.Random(seed)
    with Project.open(path) as project:
        coder = project.coder(name, create=True)
        codes = [(c.id, c.guid) for c in project.codes()]
        transcripts = [(t.id, t.guid) for t in project.transcripts()]
        segs = {
            t_id: [(s.start, s.end) for s in project.segments(t_id) if s.codable]
            for t_id, _ in transcripts
        }
        keys: set[tuple[int, int, int, int]] = set()
        per = codings // len(transcripts)
        for t_id, _ in transcripts:
            target = len(keys) + per
            while len(keys) < target:
                start, end = rng.choice(segs[t_id])
                if rng.random() < 0.3:  # a sub-segment span
                    start = rng.randint(start, end - 2)
                keys.add((rng.choice(codes)[0], t_id, start, end))
        rows = sorted(keys, key=lambda k: (k[1], k[2], k[0]))
        guid_of_code = dict(codes)
        guid_of_t = dict(transcripts)
        stamp = "2025-02-01T10:00:00.000+00:00"
        with project.transaction():
            bulk.insert_many(
                project.db,
                "codings",
                ("coder_id", "code_id", "transcript_id", "start_char", "end_char", "created_at"),
                [(coder.id, *k, stamp) for k in rows],
            )
            events = []
            for i in range(0, len(rows), per_event):
                chunk = rows[i : i + per_event]
                payload = {
                    "codings": [
                        {"code": guid_of_code[c], "transcript": guid_of_t[t], "start": s, "end": e}
                        for c, t, s, e in chunk
                    ]
                }
                events.append(
                    (
                        new_guid(),
                        stamp,
                        coder.id,
                        chunk[0][1],
                        "coding.add",
                        json.dumps(payload, ensure_ascii=False, sort_keys=True),
                    )
                )
            bulk.insert_many(
                project.db,
                "events",
                ("guid", "at", "coder_id", "transcript_id", "action", "payload"),
                events,
            )
            bulk.insert_many(
                project.db,
                "coder_status",
                ("coder_id", "transcript_id", "status", "updated_at"),
                [(coder.id, t_id, "done", stamp) for t_id, _ in transcripts],
            )


def baseline_copy(source: Path, folder: Path) -> float:
    """Seconds for a plain ``INSERT INTO … SELECT`` of the codings table between attached databases."""
    empty = folder / "baseline.db"
    Project.init(empty).close()
    conn = sqlite3.connect(str(empty), isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("ATTACH DATABASE ? AS src", [str(source)])
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute("INSERT INTO codings SELECT * FROM src.codings")
    conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


def baseline_append(sources: list[Path], folder: Path) -> float:
    """Seconds to append every file's codings, one transaction per file, into one table (plain SQL)."""
    empty = folder / "baseline-append.db"
    Project.init(empty).close()
    conn = sqlite3.connect(str(empty), isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    start = time.perf_counter()
    for i, source in enumerate(sources):
        conn.execute("ATTACH DATABASE ? AS src", [str(source)])
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO codings (coder_id, code_id, transcript_id, start_char, end_char, created_at)"
            " SELECT coder_id + ?, code_id, transcript_id, start_char, end_char, created_at FROM src.codings",
            [i * 1000],
        )
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE src")
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


def timed(label: str, func, baseline: float, target: float | None = None) -> float:
    start = time.perf_counter()
    func()
    seconds = time.perf_counter() - start
    goal = f"  (target < {target:.0f} s)" if target else ""
    print(f"{label:<44} {seconds:7.2f} s   {seconds / baseline:6.1f}× baseline{goal}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coders", type=int, default=5)
    parser.add_argument("--transcripts", type=int, default=200)
    parser.add_argument("--codings", type=int, default=200_000, help="Codings per coder's file.")
    parser.add_argument(
        "--codings-per-event",
        type=int,
        default=10,
        help="Codings listed in each coding.add event (1: one event per coding).",
    )
    parser.add_argument(
        "--workdir", type=Path, help="Keep the coders' files here and reuse them on later runs."
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-merge-") as tmp:
        folder = Path(tmp)
        source_folder = args.workdir or folder
        source_folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        files = [source_folder / f"coder{i + 1}.db" for i in range(args.coders)]
        if not all(f.exists() for f in files):
            base = folder / "base.db"
            build_base(base, args.transcripts)
            for i, path in enumerate(files):
                shutil.copy(base, path)
                add_coder(
                    path,
                    f"coder{i + 1}",
                    args.codings,
                    seed=100 + i,
                    per_event=args.codings_per_event,
                )
        print(
            f"built {args.coders} files of {args.transcripts} transcripts and {args.codings:,} codings "
            f"in {time.perf_counter() - t0:.1f} s ({files[0].stat().st_size / 1e6:.0f} MB each)"
        )

        baseline = baseline_copy(files[0], folder)
        print(f"{'baseline: INSERT … SELECT of one file codings':<44} {baseline:7.2f} s")

        dump = folder / "coder1.jsonl"
        with Project.open(files[0]) as project:
            timed("export jsonl (one file)", lambda: export_jsonl(project, dump), baseline, 10)
        print(
            f"{'':<44} {dump.stat().st_size / 1e6:7.0f} MB, {sum(1 for _ in dump.open()):,} lines"
        )
        with Project.init(folder / "from-jsonl.db") as project:
            timed(
                "import jsonl into an empty project",
                lambda: import_jsonl(dump, project),
                baseline,
                10,
            )

        with Project.init(folder / "team.db") as team:
            report = None

            def first() -> None:
                nonlocal report
                report = merge(team, files)

            cpu = time.process_time()
            seconds = timed(
                f"merge {args.coders} files into an empty project",
                first,
                baseline * args.coders,
                10,
            )
            print(f"{'':<44} {time.process_time() - cpu:7.2f} s of CPU in this process")
            assert report is not None and report.ok
            timed(
                f"merge the same {args.coders} files again (no change)",
                lambda: merge(team, files),
                baseline * args.coders,
            )
            n = team.db.execute("SELECT count(*) FROM codings").fetchone()[0]
        appended = baseline_append(files, folder)
        print(
            f"{f'baseline: append {args.coders} files codings':<44} {appended:7.2f} s"
            f"   (merge: {seconds / appended:.1f}× this)"
        )
        print(
            f"{n:,} codings in the merged project; merge ratios are to {args.coders}× the one-file baseline"
        )


if __name__ == "__main__":
    main()
