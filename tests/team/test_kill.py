"""kill -9 of ``codebench sync`` at random points, mid-push and mid-pull.

After each kill the hub holds either everything the push sent or none of it
(one transaction), the local copy either all of a pull or none of it, and
the next sync converges: nothing lost, nothing twice. The soak version (50
kills) is ``bench/bench_team.py --kills N``.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codebench.project import Project
from codebench.team.sync import sync, waiting

from .test_sync import hub_codings, local_codings

REPO = Path(__file__).resolve().parents[2]
KILLS = 4


def _sync_process(path: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, "-m", "codebench", "sync", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for_hub(process: subprocess.Popen[bytes], hub, login: str) -> None:
    """Return once the sync's first statement runs on the hub (seen in ``pg_stat_activity``)."""
    with hub.admin() as admin:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            row = admin.execute(
                "SELECT 1 FROM pg_stat_activity WHERE usename = %s AND xact_start IS NOT NULL",
                [login],
            ).fetchone()
            if row:
                break
            time.sleep(0.002)


def _hub_time(path: Path, hub, login: str) -> float:
    """Seconds from a sync's first statement on the hub to its end (a run not killed)."""
    process = _sync_process(path)
    _wait_for_hub(process, hub, login)
    started = time.monotonic()
    process.wait()
    return time.monotonic() - started


def _kill_mid_sync(
    process: subprocess.Popen[bytes], hub, login: str, rng: random.Random, spread: float
) -> None:
    """kill -9 the sync a random moment, up to ``spread`` s, after it reached the hub."""
    _wait_for_hub(process, hub, login)
    time.sleep(rng.uniform(0, spread))
    process.kill()
    process.wait()
    _wait_for_backend_gone(hub, login)


def _wait_for_backend_gone(hub, login: str) -> None:
    """Return once the killed client's server process has ended.

    A kill can land while the hub is committing: the server finishes that
    commit (or rolls back) on its own, after the client is gone. Reading the
    hub before then could see the state before a commit that lands a moment
    later, and take it for the next round's "before".
    """
    with hub.admin() as admin:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            row = admin.execute(
                "SELECT 1 FROM pg_stat_activity WHERE usename = %s", [login]
            ).fetchone()
            if row is None:
                return
            time.sleep(0.005)


def _spans(project: Project, rng: random.Random, count: int) -> list[tuple[str, int, int]]:
    length = len(project.text("int1"))
    codes = [c.number for c in project.codes() if c.number]
    out = []
    for _ in range(count):
        start = rng.randrange(0, length - 2)
        out.append((rng.choice(codes), start, rng.randrange(start + 1, min(length, start + 40))))
    return out


def _work(path: Path, rng: random.Random) -> None:
    """A burst of coding and uncoding on alice's copy (both go up in the next push)."""
    with Project.open(path) as alice:
        by_code: dict[str, list[tuple[int, int]]] = {}
        for code, start, end in _spans(alice, rng, 800):
            by_code.setdefault(code, []).append((start, end))
        for code, spans in by_code.items():
            alice.add_codings("alice", code, "int1", spans)
        existing = alice.codings(coders=["alice"])
        gone: dict[int, list[tuple[int, int]]] = {}
        for coding in rng.sample(existing, min(40, len(existing))):
            gone.setdefault(coding.code_id, []).append((coding.start, coding.end))
        for code_id, spans in gone.items():
            alice.remove_codings("alice", code_id, "int1", spans)


@pytest.mark.slow
def test_kill_9_mid_push_leaves_the_hub_as_before_or_after_and_the_next_sync_converges(
    team,
) -> None:
    rng = random.Random(1707)
    outcomes: list[bool] = []
    _work(team.alice, rng)
    spread = 1.2 * _hub_time(team.alice, team.hub, team.hub.login("alice"))
    for _ in range(KILLS):
        before = hub_codings(team.hub, "alice")
        _work(team.alice, rng)
        with Project.open(team.alice) as alice:
            after = local_codings(alice, "alice")
        process = _sync_process(team.alice)
        _kill_mid_sync(process, team.hub, team.hub.login("alice"), rng, spread)
        now = hub_codings(team.hub, "alice")
        assert now in (before, after)  # all of the push or none of it
        outcomes.append(now == after)
    print(f"kills: {outcomes.count(False)} before the hub committed, {outcomes.count(True)} after")
    with Project.open(team.alice) as alice:
        sync(alice)
        assert waiting(alice) == 0
        final = local_codings(alice, "alice")
    assert hub_codings(team.hub, "alice") == final
    with team.hub.admin() as admin:  # each coding once, live or tombstoned
        dupes = admin.execute(
            "SELECT count(*) FROM (SELECT 1 FROM codebench.codings GROUP BY coder_guid,"
            " code_guid, transcript_guid, start_char, end_char HAVING count(*) > 1) d"
        ).fetchone()
        assert dupes == (0,)
    sync(team.lead)
    assert local_codings(team.lead, "alice") == final


@pytest.mark.slow
def test_kill_9_mid_pull_leaves_the_copy_as_before_or_after_and_the_next_sync_converges(
    team,
) -> None:
    rng = random.Random(2903)
    outcomes: list[bool] = []
    lead_path = Path(team.lead.path)
    team.lead.close()
    _work(team.alice, rng)
    with Project.open(team.alice) as alice:
        sync(alice)
    spread = 1.2 * _hub_time(lead_path, team.hub, team.hub.login("lee"))
    for _ in range(KILLS):
        _work(team.alice, rng)
        with Project.open(team.alice) as alice:
            sync(alice)
        with Project.open(lead_path) as lead:
            before = local_codings(lead, "alice")
        after = hub_codings(team.hub, "alice")
        process = _sync_process(lead_path)
        _kill_mid_sync(process, team.hub, team.hub.login("lee"), rng, spread)
        with Project.open(lead_path) as lead:
            now = local_codings(lead, "alice")
        assert now in (before, after)
        outcomes.append(now == after)
    print(
        f"kills: {outcomes.count(False)} before the pull was applied, {outcomes.count(True)} after"
    )
    with Project.open(lead_path) as lead:
        sync(lead)
        assert local_codings(lead, "alice") == hub_codings(team.hub, "alice")
