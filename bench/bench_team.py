"""The team server: publish, incremental sync, concurrent coders and a kill -9 soak, on a local cluster.

Starts a throwaway PostgreSQL cluster (``codebench server local``'s code, fsync on) and measures,
beside baselines taken in the same run on the same server:

* first publish of a lead's project (``--transcripts`` × ~100 segments, ``--codings`` codings
  of the lead's own coder) against a plain ``COPY`` of the same coding rows into an unindexed
  table (target: ≤ 3×);
* an incremental sync of 50 new codings by a coder (median of 5) against a plain round trip
  (``SELECT 1`` on an open connection) and a connect + ``SELECT 1`` (target: ≤ 200 ms);
* ``--rounds`` rounds in which ``--coders`` coders each code ``--per-coder`` more codings (and
  remove 10), all push at once, then the lead pulls: seconds until every copy converged, a
  check that every coder's work is on the hub and on the lead's copy exactly once, and the
  hub's size, after each round;
* the soak: ``--kills`` times, a burst of coding then ``codebench sync`` killed with SIGKILL at a
  random moment after it reached the hub; then one sync, and the hub must equal the copy.

Usage: ``python bench/bench_team.py [--transcripts 20] [--codings 20000] [--coders 4]
[--per-coder 2000] [--kills 5] [--rounds 1]`` (the issue's sizes: 200, 1000000, 20, 10000, 50).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
from bench_merge import add_coder, build_base

from codebench.design.assignments import assign
from codebench.project import Project
from codebench.team import localserver
from codebench.team.connect import connect
from codebench.team.copies import clone, publish
from codebench.team.hub_schema import migrate
from codebench.team.members import add_member
from codebench.team.sync import sync, waiting

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=20)
    parser.add_argument("--codings", type=int, default=20000)
    parser.add_argument("--coders", type=int, default=4)
    parser.add_argument("--per-coder", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=1, help="rounds of concurrent pushes")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="codebench-bench-team-", dir="/tmp"))
    root.chmod(0o755)
    try:
        server = localserver.start(root / "cluster")
        url = localserver.create_database(server, "bench")
        passfile = root / "pgpass"
        lines = [server.passfile.read_text(encoding="utf-8")]
        with connect(url, passfile=server.passfile) as conn:
            migrate(conn, url)
        people = ["lee", *(f"coder{i:02d}" for i in range(args.coders))]
        for name in people:
            added = add_member(
                url, name, role="lead" if name == "lee" else "coder", passfile=server.passfile
            )
            lines.append(f"127.0.0.1:{server.port}:bench:{name}:{added.password}\n")
        passfile.write_text("".join(lines), encoding="utf-8")
        passfile.chmod(0o600)
        os.environ["PGPASSFILE"] = str(passfile)

        def person(name: str) -> str:
            return f"postgresql://{name}@127.0.0.1:{server.port}/bench"

        lead_path = root / "lead.db"
        build_base(lead_path, args.transcripts)
        add_coder(lead_path, "lee", args.codings, seed=5)
        with Project.open(lead_path) as lead:
            for name in people[1:]:
                lead.coder(name, create=True)
                assign(lead, name, [t.name for t in lead.transcripts()])
            rows = [
                (c.coder_id, c.code_id, c.transcript_id, c.start, c.end, c.created_at, 1)
                for c in lead.codings()
            ]
            base = _copy_baseline(url, server.passfile, rows)
            started = time.perf_counter()
            publish(lead, person("lee"))
            took = time.perf_counter() - started
        print(
            f"publish: {args.transcripts} transcripts, {len(rows)} codings: {took:.2f} s;"
            f" plain COPY of the codings {base:.2f} s; ratio {took / base:.1f}x (target <= 3x)"
        )

        # The lead's own sync: nothing new, then after 50 new codings of the lead's coder.
        with Project.open(lead_path) as lead:
            idle, busy = [], []
            lead_spans = _spans(lead, random.Random(9), 250)
            for i in range(5):
                started = time.perf_counter()
                sync(lead)
                idle.append(time.perf_counter() - started)
                for code, transcript, start, end in lead_spans[i * 50 : (i + 1) * 50]:
                    lead.add_codings("lee", code, transcript, [(start, end)])
                started = time.perf_counter()
                sync(lead)
                busy.append(time.perf_counter() - started)
        print(
            f"the lead's sync ({len(rows)} codings of its own): nothing new, median"
            f" {statistics.median(idle) * 1000:.0f} ms; 50 new codings, median"
            f" {statistics.median(busy) * 1000:.0f} ms"
        )

        copies = {}
        for name in people[1:]:
            copies[name] = root / f"{name}.db"
            clone(person(name), copies[name], coder=name)
        first = people[1]
        timings = []
        rng = random.Random(3)
        with Project.open(copies[first]) as copy:
            spans = _spans(copy, rng, 250)
            for i in range(5):
                chunk = spans[i * 50 : (i + 1) * 50]
                for code, transcript, start, end in chunk:
                    copy.add_codings(first, code, transcript, [(start, end)])
                started = time.perf_counter()
                sync(copy)
                timings.append(time.perf_counter() - started)
        with psycopg.connect(person(first)) as conn:
            trips = []
            for _ in range(20):
                started = time.perf_counter()
                conn.execute("SELECT 1").fetchone()
                trips.append(time.perf_counter() - started)
        connects = []
        for _ in range(5):
            started = time.perf_counter()
            with psycopg.connect(person(first)) as conn:
                conn.execute("SELECT 1").fetchone()
            connects.append(time.perf_counter() - started)
        print(
            f"incremental sync of 50 codings: median {statistics.median(timings) * 1000:.0f} ms"
            f" (target <= 200); plain round trip {statistics.median(trips) * 1000:.2f} ms,"
            f" connect + round trip {statistics.median(connects) * 1000:.0f} ms"
        )

        # The soak of several rounds: each round every coder codes ``--per-coder`` more (and
        # removes a few earlier codings), all sync at once, then the lead pulls; after each
        # round every coder's work must be on the hub and on the lead's copy exactly once.
        for number in range(1, args.rounds + 1):
            for name, path in copies.items():
                _code_more(path, name, args.per_coder, seed=f"{name}-{number}", remove=10)
            started = time.perf_counter()
            threads = [threading.Thread(target=_sync_path, args=(p,)) for p in copies.values()]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            with Project.open(lead_path) as lead:
                sync(lead)
                converged = time.perf_counter() - started
            expected, exact = _check_round(url, server.passfile, lead_path, copies)
            with psycopg.connect(url, passfile=str(server.passfile)) as conn:
                size = conn.execute("SELECT pg_database_size('bench')").fetchone()[0]
            print(
                f"round {number} of {args.rounds}: {args.coders} coders syncing at once"
                f" ({expected} codings in all) and the lead's pull: converged in"
                f" {converged:.2f} s; {exact}; hub size {size / 1e6:.1f} MB"
            )

        soak = copies[first]
        outcomes = {"before": 0, "after": 0}
        for _ in range(args.kills):
            with Project.open(soak) as copy:
                for code, transcript, start, end in _spans(copy, rng, 200):
                    copy.add_codings(first, code, transcript, [(start, end)])
                before = waiting(copy)
            process = subprocess.Popen(
                [sys.executable, "-m", "codebench", "sync", str(soak)],
                env=dict(os.environ, PYTHONPATH=str(REPO)),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(0.3, 2.0))
            process.kill()
            process.wait()
            with Project.open(soak) as copy:
                outcomes["after" if waiting(copy) < before else "before"] += 1
        with Project.open(soak) as copy:
            sync(copy)
            local = {
                (c.code_id, c.transcript_id, c.start, c.end) for c in copy.codings(coders=[first])
            }
            left = waiting(copy)
        with psycopg.connect(url, passfile=str(server.passfile)) as conn:
            hub = conn.execute(
                "SELECT count(*) FROM codebench.codings k JOIN codebench.coders c"
                " ON c.guid = k.coder_guid WHERE c.name = %s AND NOT k.deleted",
                [first],
            ).fetchone()[0]
        print(
            f"soak: {args.kills} kills ({outcomes['before']} before the push was noted,"
            f" {outcomes['after']} after); then {len(local)} codings here, {hub} on the hub,"
            f" {left} waiting: {'converged' if hub == len(local) and left == 0 else 'NOT CONVERGED'}"
        )
    finally:
        try:
            localserver.stop(root / "cluster")
        finally:
            shutil.rmtree(root, ignore_errors=True)


def _code_more(path: Path, name: str, count: int, *, seed: str, remove: int) -> None:
    """``count`` new codings of ``name`` in one transaction, and ``remove`` earlier ones gone."""
    with Project.open(path) as copy:
        coder = copy.coder(name).id
        with copy.transaction():
            copy.db.execute(
                "DELETE FROM codings WHERE id IN (SELECT id FROM codings WHERE coder_id = ?"
                " ORDER BY random() LIMIT ?)",
                [coder, remove],
            )
            for code, transcript, start, end in _spans(copy, random.Random(seed), count):
                copy.db.execute(
                    "INSERT OR IGNORE INTO codings (coder_id, code_id, transcript_id,"
                    " start_char, end_char, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        coder,
                        copy.code(code).id,
                        copy.transcript(transcript).id,
                        start,
                        end,
                        "2025-03-01T00:00:00.000+00:00",
                    ],
                )


def _check_round(
    url: str, passfile: Path, lead_path: Path, copies: dict[str, Path]
) -> tuple[int, str]:
    """Every coder's codings (as in their copy) on the hub and on the lead's copy, exactly once.

    Returns the number of codings and a verdict; the verdict names every coder that differs.
    """
    from codebench.store.sync_sql import coder_guids_named, coding_records

    def key(record: tuple) -> tuple:
        return tuple(record[:5])

    wanted: dict[str, set[tuple]] = {}
    for name, path in copies.items():
        with Project.open(path) as copy:
            records = coding_records(copy.db, coder_guids_named(copy.db, [name]))
        wanted[name] = {key(r) for r in records}
    with psycopg.connect(url, passfile=str(passfile)) as conn:
        rows = conn.execute(
            "SELECT c.name, k.coder_guid, k.code_guid, k.transcript_guid, k.start_char,"
            " k.end_char FROM codebench.codings k JOIN codebench.coders c"
            " ON c.guid = k.coder_guid WHERE NOT k.deleted AND c.name = ANY(%s)",
            [list(copies)],
        ).fetchall()
    on_hub: dict[str, list[tuple]] = {}
    for r in rows:
        on_hub.setdefault(r[0], []).append(tuple(r[1:]))
    with Project.open(lead_path) as lead:
        on_lead: dict[str, list[tuple]] = {}
        for name in copies:
            records = coding_records(lead.db, coder_guids_named(lead.db, [name]))
            on_lead[name] = [key(r) for r in records]
    bad = [
        name
        for name, want in wanted.items()
        if len(on_hub.get(name, [])) != len(want)
        or set(on_hub.get(name, [])) != want
        or len(on_lead[name]) != len(want)
        or set(on_lead[name]) != want
    ]
    total = sum(len(w) for w in wanted.values())
    if bad:
        return total, "NOT EXACTLY ONCE for " + ", ".join(bad)
    return total, "every coder's work exactly once on the hub and on the lead's copy"


def _sync_path(path: Path) -> None:
    with Project.open(path) as copy:
        sync(copy)


def _spans(project: Project, rng: random.Random, count: int) -> list[tuple[str, str, int, int]]:
    codes = [c.number for c in project.codes() if c.number]
    transcripts = [(t.name, len(project.text(t))) for t in project.transcripts()]
    out = []
    for _ in range(count):
        name, length = rng.choice(transcripts)
        start = rng.randrange(0, length - 2)
        out.append(
            (rng.choice(codes), name, start, rng.randrange(start + 1, min(length, start + 80)))
        )
    return out


def _copy_baseline(url: str, passfile: Path, rows: list[tuple]) -> float:
    """Seconds to COPY the same coding rows (as text GUID-sized keys) into a plain new table.

    The hub's seven codings columns, ``codebook_version`` included (every bench coding is
    made under version 1).
    """
    with psycopg.connect(url, passfile=str(passfile), autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE public.copy_baseline (coder text, code text, transcript text,"
            " start_char integer, end_char integer, created_at text, codebook_version integer)"
        )
        started = time.perf_counter()
        with (
            conn.transaction(),
            conn.cursor().copy("COPY public.copy_baseline FROM STDIN") as copy,
        ):
            for r in rows:
                copy.write_row((f"{r[0]:036d}", f"{r[1]:036d}", f"{r[2]:036d}", *r[3:]))
        took = time.perf_counter() - started
        conn.execute("DROP TABLE public.copy_baseline")
    return took


if __name__ == "__main__":
    main()
