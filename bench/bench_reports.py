"""Benchmark: reports over 1,000,000 codings in 2,000 transcripts.

Builds (once, then reuses) a project with the default codebook, 2,000 short
transcripts of 125 sentence segments each (every fifth an interviewer
question), two attributes, and two coders with 500,000 codings each: mostly
whole segments, 3 % spanning two segments, 2 % part of a sentence; bob
agrees with alice on about 70 % of her codings. The data goes in with plain
``executemany`` (the bench is not the core).

Each report is timed as a user meets it, compared with a plain indexed
``SELECT code_id, count(*) FROM codings GROUP BY code_id`` over the same
data in the same run, so the ratios hold across machines. Reports read the
stored units (``units_cache``, kept by the untimed warm-up call); the rows
marked "after one coding written" change one coding first, so that
coder's units of that transcript are placed again (and stored), "after a
segment write" makes every entry stale (all built again), and "fresh
build" rows build without the store at all. ``--where`` rows scope
by-attribute to one organisation's 100 transcripts. Targets (issue 5): frequencies, by-attribute and co-occurrence
each under 0.5 s; the XLSX export of the frequency table under 1 s. The
crossed table (issue 13: at most 5× the baseline) is timed beside a plain
GROUP BY over the two attributes. Not a
pass/fail test: it prints figures for docs/reports.md.

    python bench/bench_reports.py                # build if missing, then time
    python bench/bench_reports.py --rebuild --runs 7
"""

from __future__ import annotations

import argparse
import hashlib
import io
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

TRANSCRIPTS = 2_000
SEGMENTS = 125
CODINGS = 1_000_000
ROLES = (
    "senior manager",
    "frontline staff",
    "commissioner",
    "service user",
    "union representative",
)
WORDS = [
    "staff",
    "council",
    "mutual",
    "service",
    "board",
    "members",
    "trust",
    "care",
    "money",
    "contract",
    "risk",
    "pension",
    "team",
    "clinic",
]
STAMP = "2025-01-01T00:00:00.000+00:00"


def build(path: Path, seed: int = 5, n_transcripts: int = TRANSCRIPTS) -> None:
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
    alice, bob = (r[0] for r in conn.execute("SELECT id FROM coders ORDER BY name"))
    per_coder = CODINGS // TRANSCRIPTS // 2
    transcripts, attributes, segments, codings = [], [], [], []
    for t in range(1, n_transcripts + 1):
        pieces, spans, position = [], [], 0
        for i in range(SEGMENTS):
            interviewer = i % 5 == 0
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))) + "."
            spans.append((position, position + len(text), interviewer))
            segments.append(
                (
                    t,
                    i,
                    position,
                    position + len(text),
                    "Interviewer" if interviewer else f"Participant {t}",
                    0 if interviewer else 1,
                    2 * (i // 5) + (0 if interviewer else 1),
                    i // 5,
                )
            )
            pieces.append(text)
            position += len(text) + 1
        text = " ".join(pieces)
        digest = hashlib.sha256(text.encode()).hexdigest()
        transcripts.append(
            (t, f"bench-{t}", f"t{t:04d}", text, digest, f"t{t:04d}.txt", "txt", STAMP)
        )
        attributes += [
            (t, "role", ROLES[t % len(ROLES)]),
            (t, "organisation", f"organisation {t % 20:02d}"),
        ]
        codable = [s for s in spans if not s[2]]

        def pick(codable: list[tuple[int, int, bool]] = codable) -> tuple[int, int, int]:
            """A code on a whole segment (95 %), two segments (3 %) or part of one (2 %)."""
            k = rng.randrange(len(codable))
            start, end, _ = codable[k]
            roll = rng.random()
            if roll < 0.03 and k + 1 < len(codable):
                end = codable[k + 1][1]
            elif roll < 0.05 and end - start > 6:
                start, end = start + 2, end - 2
            return rng.choice(codes), start, end

        alice_keys: set[tuple[int, int, int]] = set()
        while len(alice_keys) < per_coder:
            alice_keys.add(pick())
        agreed = sorted(alice_keys)
        rng.shuffle(agreed)
        bob_keys: set[tuple[int, int, int]] = set()
        while len(bob_keys) < per_coder:  # bob takes alice's coding 70 % of the time
            bob_keys.add(agreed.pop() if agreed and rng.random() < 0.7 else pick())
        codings += [
            (coder, code, t, start, end, STAMP)
            for coder, keys in ((alice, alice_keys), (bob, bob_keys))
            for code, start, end in sorted(keys)
        ]
    conn.executemany(
        "INSERT INTO transcripts (id, guid, name, text, sha256, source_name, source_format, imported_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        transcripts,
    )
    conn.executemany(
        "INSERT INTO attributes (transcript_id, key, value) VALUES (?, ?, ?)", attributes
    )
    conn.executemany(
        "INSERT INTO segments (transcript_id, ordinal, start_char, end_char, speaker, codable, turn, paragraph)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        segments,
    )
    conn.executemany(
        "INSERT INTO codings (coder_id, code_id, transcript_id, start_char, end_char, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        codings,
    )
    conn.executemany(
        "INSERT INTO coder_status (coder_id, transcript_id, status, updated_at) VALUES (?, ?, 'done', ?)",
        [(k, t, STAMP) for k in (alice, bob) for t in range(1, n_transcripts + 1)],
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def timed(function: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """(median wall, best wall, median CPU) seconds over ``runs`` calls, after one warm-up call.

    CPU time counts every thread, so it exceeds the wall time when the
    segments are read in parallel, and it is what other load cannot inflate.
    """
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
        "--path", type=Path, default=Path(tempfile.gettempdir()) / "codebench-bench-reports.db"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="Build the project again even if it exists."
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--transcripts",
        type=int,
        default=TRANSCRIPTS,
        help="Transcripts to build (500 codings each; smaller while developing).",
    )
    args = parser.parse_args()

    if args.rebuild or not args.path.exists():
        start = time.perf_counter()
        build(args.path, n_transcripts=args.transcripts)
        print(f"built {args.path} in {time.perf_counter() - start:.1f} s")

    from codebench import reports
    from codebench.fileio import write_atomic
    from codebench.reports.render_xlsx import xlsx_bytes

    project = Project.open(args.path)
    n_codings = project.db.execute("SELECT count(*) FROM codings").fetchone()[0]
    n_segments = project.db.execute("SELECT count(*) FROM segments").fetchone()[0]
    print(
        f"{n_codings:,} codings, {len(project.transcripts()):,} transcripts, {n_segments:,} segments, "
        f"{len(project.codes())} codes, coders: {', '.join(c.name for c in project.coders())} (pooled)"
    )

    def baseline() -> object:
        return project.db.execute(
            "SELECT code_id, count(*) FROM codings GROUP BY code_id"
        ).fetchall()

    def crossed_baseline() -> object:
        return project.db.execute(
            "SELECT r.value, o.value, c.code_id, count(DISTINCT c.transcript_id), count(*)"
            " FROM codings c JOIN attributes r ON r.transcript_id = c.transcript_id AND r.key = 'role'"
            " JOIN attributes o ON o.transcript_id = c.transcript_id AND o.key = 'organisation'"
            " GROUP BY r.value, o.value, c.code_id"
        ).fetchall()

    from codebench.store import units_cache

    def touched() -> None:
        """A write to one coding that changes nothing but counts (its coder × transcript is stale)."""
        with project.transaction():
            project.db.execute(
                "UPDATE codings SET end_char = end_char WHERE id = (SELECT min(id) FROM codings)"
            )

    def segment_touched() -> None:
        """A write to one segment that changes nothing but counts (every stored entry is stale)."""
        with project.transaction():
            project.db.execute(
                "UPDATE segments SET end_char = end_char WHERE id = (SELECT min(id) FROM segments)"
            )

    from codebench.analysis.scope import ScopeSpec, report_units, resolve_scope

    def scoped_by_attribute() -> object:
        """By-attribute over the transcripts of one organisation (a --where scope, 100 of 2,000)."""
        scope = resolve_scope(project, ScopeSpec(where=("organisation=organisation 03",)))
        return reports.by_attribute(project, "role", units=report_units(project, scope))

    def after_write(function: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            touched()
            return function()

        return run

    def unstored(function: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            real = units_cache.version
            units_cache.version = lambda db: None  # type: ignore[assignment]
            try:
                return function()
            finally:
                units_cache.version = real

        return run

    frequency_table = reports.frequencies(project)
    matrix = reports.code_matrix(project)
    out = Path(tempfile.gettempdir()) / "codebench-bench-frequencies.xlsx"
    cases: list[tuple[str, Callable[[], object], float | None]] = [
        ("plain SQL GROUP BY code_id (baseline)", baseline, None),
        ("frequencies (all measures, rolled up)", lambda: reports.frequencies(project), 0.5),
        ("by-attribute (role)", lambda: reports.by_attribute(project, "role"), 0.5),
        (
            "  plain SQL GROUP BY role, organisation, code",
            crossed_baseline,
            None,
        ),
        (
            "crossed (role × organisation, all measures)",
            lambda: reports.crossed(project, ["role", "organisation"]),
            None,
        ),
        (
            "co-occurrence (+ Jaccard)",
            lambda: reports.cooccurrence(project, normalise="jaccard"),
            0.5,
        ),
        (
            "XLSX export of the frequency table",
            lambda: write_atomic(out, xlsx_bytes(frequency_table)),
            1.0,
        ),
        (
            "  codings mapped onto segments alone",
            lambda: reports.build_units(project, reports.select_coders(project)),
            None,
        ),
        (
            "  crossed after one coding written",
            after_write(lambda: reports.crossed(project, ["role", "organisation"])),
            None,
        ),
        (
            "  by-attribute after one coding written",
            after_write(lambda: reports.by_attribute(project, "role")),
            None,
        ),
        (
            "  crossed after a segment write (all built)",
            lambda: (segment_touched(), reports.crossed(project, ["role", "organisation"])),
            None,
        ),
        ("  by-attribute, --where organisation (stored)", scoped_by_attribute, None),
        ("  by-attribute, --where organisation (fresh)", unstored(scoped_by_attribute), None),
        (
            "  crossed, fresh build (store off)",
            unstored(lambda: reports.crossed(project, ["role", "organisation"])),
            None,
        ),
        (
            "  by-attribute, fresh build (store off)",
            unstored(lambda: reports.by_attribute(project, "role")),
            None,
        ),
        (
            "  a counted no-op write of one coding",
            touched,
            None,
        ),
        (
            "  frequencies computed and saved as XLSX",
            lambda: write_atomic(out, xlsx_bytes(reports.frequencies(project))),
            None,
        ),
        (
            "  XLSX of the 35 × 2,000 code matrix",
            lambda: write_atomic(out, xlsx_bytes(matrix)),
            None,
        ),
    ]
    load_before = os.getloadavg()[0]
    results = []
    for name, function, target in cases:
        median, best, cpu = timed(function, args.runs)
        results.append((name, median, best, cpu, target))
    base_median, base_best = results[0][1], results[0][2]
    buffer = io.StringIO()
    print(
        f"\n{'':44} {'median':>8} {'best':>8} {'CPU':>8} {'× base (median/best)':>22} {'target':>12}",
        file=buffer,
    )
    for name, median, best, cpu, target in results:
        verdict = (
            "" if target is None else f"< {target:g} s " + ("ok" if best < target else "missed")
        )
        ratio = f"{median / base_median:.1f}× / {best / base_best:.1f}×"
        print(
            f"{name:44} {median:7.3f}s {best:7.3f}s {cpu:7.3f}s {ratio:>22} {verdict:>12}",
            file=buffer,
        )
    print(buffer.getvalue())
    print(
        f"load average (1 min) before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; "
        "'ok' judges the best run, which other load inflates least"
    )
    project.close()


if __name__ == "__main__":
    main()
