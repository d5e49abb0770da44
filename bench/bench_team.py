"""The team server: publish, incremental sync, concurrent coders and a kill -9 soak, on a local cluster.

Starts a throwaway PostgreSQL cluster (``codebench server local``'s code, fsync on) and measures,
beside baselines taken in the same run on the same server:

* first publish of a lead's project (``--transcripts`` × ~100 segments, ``--codings`` codings
  of the lead's own coder) against a plain ``COPY`` of the same coding rows into an unindexed
  table (target: ≤ 3×);
* an incremental sync of 50 new codings by a coder (median of 5) against a plain round trip
  (``SELECT 1`` on an open connection) and a connect + ``SELECT 1`` (target: ≤ 200 ms);
* ``--coders`` coders each pushing ``--per-coder`` codings at once, then the lead's pull:
  seconds until every copy converged, and the hub's size;
* the soak: ``--kills`` times, a burst of coding then ``codebench sync`` killed with SIGKILL at a
  random moment after it reached the hub; then one sync, and the hub must equal the copy.

Usage: ``python bench/bench_team.py [--transcripts 20] [--codings 20000] [--coders 4]
[--per-coder 2000] [--kills 5]`` (the issue's sizes: 200, 1000000, 20, 10000, 50).
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
                (c.coder_id, c.code_id, c.transcript_id, c.start, c.end, c.created_at)
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

        for name, path in copies.items():
            with Project.open(path) as copy:
                for code, transcript, start, end in _spans(
                    copy, random.Random(name), args.per_coder
                ):
                    copy.db.execute(
                        "INSERT OR IGNORE INTO codings (coder_id, code_id, transcript_id,"
                        " start_char, end_char, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                        [
                            copy.coder(name).id,
                            copy.code(code).id,
                            copy.transcript(transcript).id,
                            start,
                            end,
                            "2025-03-01T00:00:00.000+00:00",
                        ],
                    )
                copy.db.conn.commit()
        started = time.perf_counter()
        threads = [threading.Thread(target=_sync_path, args=(p,)) for p in copies.values()]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with Project.open(lead_path) as lead:
            sync(lead)
            converged = time.perf_counter() - started
            on_lead = len(lead.codings(coders=people[1:]))
        expected = 0
        for name, path in copies.items():
            with Project.open(path) as copy:
                expected += len(copy.codings(coders=[name]))
        with psycopg.connect(url, passfile=str(server.passfile)) as conn:
            size = conn.execute("SELECT pg_database_size('bench')").fetchone()[0]
        print(
            f"{args.coders} coders syncing at once ({expected} codings) and the lead's pull:"
            f" converged in {converged:.2f} s; on the lead's copy {on_lead} of {expected};"
            f" hub size {size / 1e6:.1f} MB"
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
    """Seconds to COPY the same coding rows (as text GUID-sized keys) into a plain new table."""
    with psycopg.connect(url, passfile=str(passfile), autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE public.copy_baseline (coder text, code text, transcript text,"
            " start_char integer, end_char integer, created_at text)"
        )
        started = time.perf_counter()
        with (
            conn.transaction(),
            conn.cursor().copy("COPY public.copy_baseline FROM STDIN") as copy,
        ):
            for r in rows:
                copy.write_row((f"{r[0]:036d}", f"{r[1]:036d}", f"{r[2]:036d}", r[3], r[4], r[5]))
        took = time.perf_counter() - started
        conn.execute("DROP TABLE public.copy_baseline")
    return took


if __name__ == "__main__":
    main()
