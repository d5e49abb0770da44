"""The issue's "Done when", end to end through the workbench: a lead and three coders on a hub.

A lead and three coders (three local copies, three login roles) on the
session's loopback PostgreSQL. The lead designs and publishes a study (nine
transcripts, assignments, a 25 % sample, a round); each coder clones it and
codes blind in the real workbench (``App.run_test`` + Pilot pressing the
coding screen's keys), with the workbench's own background syncs (at start,
on demand as its timer would, and on quit). One of those syncs is cut in the
middle of its push by a loopback proxy the test controls: the push's
transaction is open on the server, holding written rows, when the network
drops. The hub must be as before, the coder's work waiting, and the next sync
must converge with every coding there exactly once. Then the lead syncs and
releases the round, the coders see the others' codings only on the round's
transcripts (on screen, in their copies and as their role with plain psycopg),
the lead reviews in the review screen (F3, the round's filter, j/k through a
code's disagreements, decisions with written reasons) and writes the methods
appendix. The same keys in the review screen of the same work merged from the
coders' files (``codebench merge``) must give the same agreement JSON and the
same appendix.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import shutil
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from codebench.cli.app import cli
from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.design.assignments import assign, assignments
from codebench.design.rounds import start_round
from codebench.design.sample import draw_sample
from codebench.project import Project
from codebench.team.copies import clone
from codebench.team.sync import URL, waiting
from codebench.tui.app import CodebenchApp
from codebench.tui.modals.confirm import ConfirmModal
from codebench.tui.modals.reason import ReasonModal
from codebench.tui.screens.coding import CodingScreen
from codebench.tui.screens.project import ProjectScreen
from codebench.tui.screens.review import ReviewScreen

from .conftest import Hub
from .netcut import CuttingProxy
from .pgdriver import load_psycopg
from .test_done_when import _appendix, _figures
from .test_workbench_sync import settle_sync

psycopg = load_psycopg()

SIZE = (80, 24)
CODERS = ("alice", "bob", "cara")
NAMES = [f"t{i}" for i in range(1, 7)]
#: The codes the coders choose from (numbers in the default codebook).
CODES = ("01", "02", "04", "05")
#: At most this many codes of the round are adjudicated in the review screen.
REVIEWED_CODES = 2
#: And at most this many of each one's disagreements.
DECIDED_EACH = 3

#: The round's agreement report, as JSON (the bootstrap seeded: the same draws on both sides).
AGREEMENT = ("agreement", "--round", "1", "--seed", "7", "--format", "json")

Script = Callable[[CodebenchApp, Any], Awaitable[None]]


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CODEBENCH_CODER", raising=False)
    monkeypatch.setenv("CODEBENCH_CONFIG", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    # No timer-driven syncs: the test starts each background sync it waits for (the app still
    # runs one at start and one on quit), so the cut falls on a push it chose.
    monkeypatch.setenv("CODEBENCH_SYNC_EVERY", "0")


def run_app(app: CodebenchApp, script: Script) -> None:
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.animation_level = "none"
            await script(app, pilot)

    asyncio.run(main())


def screen_text(app: CodebenchApp) -> str:
    """Every line the terminal shows, joined."""
    return "\n".join(
        "".join(s.text for s in strip) for strip in app.screen._compositor.render_strips()
    )


def cli_ok(*args: str) -> str:
    out = CliRunner().invoke(cli, list(args))
    assert out.exit_code == 0, out.output
    return out.output


# ---------------------------------------------------------------------------- the hub, seen by the admin
def hub_state(hub: Hub) -> dict[str, tuple[int, str]]:
    """Every table of the hub schema: row count and a digest of its rows (as the superuser)."""
    with hub.admin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'codebench' ORDER BY 1"
            ).fetchall()
        ]
        state = {}
        for table in tables:
            count, digest = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                f" FROM codebench.{table} t"
            ).fetchone()
            state[table] = (int(count), str(digest))
    return state


def backends_of(hub: Hub, name: str) -> list[tuple[str, bool]]:
    """The server's sessions of ``name``'s login: (state, whether it holds a transaction id)."""
    with hub.admin() as conn:
        rows = conn.execute(
            "SELECT state, backend_xid IS NOT NULL FROM pg_stat_activity WHERE usename = %s",
            [hub.login(name)],
        ).fetchall()
    return [(str(s), bool(x)) for s, x in rows]


def hub_codings_of(hub: Hub, coder: str) -> list[tuple[str, str, int, int]]:
    """``coder``'s live codings on the hub: (transcript, code number, start, end), one per row."""
    with hub.admin() as conn:
        rows = conn.execute(
            "SELECT t.name, d.number, k.start_char, k.end_char FROM codebench.codings k"
            " JOIN codebench.coders c ON c.guid = k.coder_guid"
            " JOIN codebench.transcripts t ON t.guid = k.transcript_guid"
            " JOIN codebench.codes d ON d.guid = k.code_guid"
            " WHERE c.name = %s AND NOT k.deleted",
            [coder],
        ).fetchall()
    return sorted((str(a), str(b), int(c), int(d)) for a, b, c, d in rows)


def copy_codings_of(path: Path, coder: str) -> list[tuple[str, str, int, int]]:
    with Project.open(path) as copy:
        names = {t.id: t.name for t in copy.transcripts()}
        numbers = {c.id: c.number for c in copy.codes(include_archived=True)}
        return sorted(
            (names[c.transcript_id], numbers[c.code_id] or "", c.start, c.end)
            for c in copy.codings(coders=[coder])
        )


# ---------------------------------------------------------------------------- the coding screen
def plan(coder: str, transcripts: list[str], sample: set[str]) -> dict[str, list[list[str]]]:
    """What ``coder`` codes: per transcript, the codes for each codable segment, in order.

    The round's transcripts are coded whole (a code a segment, now and then
    two, often the code of the segment before: a coder's habit), then marked
    done; the others only their first codable segment.
    """
    rng = random.Random(f"{coder}-plan")
    out: dict[str, list[list[str]]] = {}
    for name in transcripts:
        picks: list[list[str]] = []
        last = rng.choice(CODES)
        for _ in range(6 if name in sample else 1):
            last = last if rng.random() < 0.7 else rng.choice(CODES)
            extra = [c for c in CODES if c != last]
            picks.append(sorted([last, rng.choice(extra)]) if rng.random() < 0.15 else [last])
        out[name] = picks
    return out


async def open_transcript(app: CodebenchApp, pilot: Any, name: str) -> CodingScreen:
    """From the project screen, type the transcript's name into the filter and press Enter."""
    assert isinstance(app.screen, ProjectScreen), app.screen
    await pilot.press(*name, "enter")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, CodingScreen) and screen.session.transcript.name == name, screen
    return screen


async def others_shown(app: CodebenchApp, pilot: Any, screen: CodingScreen) -> list[str]:
    """Press ``o`` (others' codings), read the chips of other coders on screen, press ``o`` again."""
    await pilot.press("o")
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert screen.session.others is not None
    marks = "|".join(re.escape(m) for m in screen.others_marks.values())
    chips = re.findall(rf"(?<![\w:])(?:{marks}):\d\d", screen_text(app)) if marks else []
    await pilot.press("o")
    await pilot.pause()
    assert screen.session.others is None
    return chips


async def code_transcript(
    app: CodebenchApp, pilot: Any, name: str, picks: list[list[str]], done: bool
) -> None:
    """On the coding screen: ``j`` to each codable segment, ``c`` NUMBER Enter per code (``.``
    when it is the code just applied), ``D`` for done; ``q`` back, Escape clears the filter."""
    screen = await open_transcript(app, pilot, name)
    if done:  # blind: whatever the hub holds of the others', nothing of theirs is on screen
        assert await others_shown(app, pilot, screen) == []
    codable = [i for i, s in enumerate(screen.session.segments) if s.codable]
    last: str | None = None
    for index, codes in zip(codable, picks, strict=False):
        keys = ["j"] * (index - screen.view.cursor)
        for number in codes:
            keys += ["."] if number == last else ["c", *number, "enter"]
            last = number
        await pilot.press(*keys)  # typed at once: the workbench keeps keys in order
        await pilot.pause()
        assert app.screen is screen and screen.view.cursor == index
        assert sorted(c.number for c in screen.session.codes_on([index])) == codes
    if done:
        await pilot.press("D")
        await pilot.pause()
        if isinstance(app.screen, ConfirmModal):  # never: every codable segment is coded
            pytest.fail("marking done asked to confirm uncoded segments")
        assert screen.session.status == "done"
    await pilot.press("q", "escape")
    await pilot.pause()
    assert isinstance(app.screen, ProjectScreen) and not app.screen.filtering


# ---------------------------------------------------------------------------- the review screen
async def review_round(app: CodebenchApp, pilot: Any) -> list[str]:
    """F3, the round's filter, then the first codes' disagreements: j/k, reasons, decisions.

    Every key the script presses is returned, so the hub's review and the files'
    review can be shown to be the same work. What to press is read from the
    screen (how many codes, how many disagreements), the same in both.
    """
    pressed: list[str] = []

    async def press(*keys: str) -> None:
        pressed.extend(keys)
        await pilot.press(*keys)
        await pilot.pause()

    async def loaded(review: ReviewScreen) -> None:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert review.report is not None, screen_text(app)

    await press("f3")
    review = app.screen
    assert isinstance(review, ReviewScreen)
    await loaded(review)
    await press("f")  # every unit → round 1
    await loaded(review)
    assert review.round is not None and review.round.number == 1
    assert "round 1" in screen_text(app).casefold(), screen_text(app)
    table_rows = review.query_one("#review-table").row_count
    reviewed = 0
    for row in range(table_rows):
        if reviewed == REVIEWED_CODES:
            break
        if row:
            await press("down")
        await press("enter")
        if not review.in_detail:
            continue
        items = review.code_items()
        if not items:
            await press("escape")
            continue
        reviewed += 1

        def shows(position: int, total: int = len(items)) -> bool:
            header = str(review.query_one("#review-header").render())
            return f"disagreement {position} of {total}" in header

        opened = review.position  # the first undecided one
        assert shows(opened + 1)
        if opened + 1 < len(items):
            await press("j")
            assert shows(opened + 2) and review.position == opened + 1
            await press("k")
            assert shows(opened + 1) and review.position == opened
        for step in range(min(len(items), DECIDED_EACH)):
            current, at = review.current, review.position
            assert current is not None
            if current.decided:
                await press("j")
                continue
            if step % 2 == 0:
                reason = f"rule {step}"
                await press("r")
                assert isinstance(app.screen, ReasonModal)
                await press(*("space" if ch == " " else ch for ch in reason), "enter")
                assert app.screen is review
                await press("m")
            else:
                await press("1")
            decision = review.code_items()[at].decision
            assert decision is not None, (step, at)
            assert decision.reason == (reason if step % 2 == 0 else "")
        await press("escape")
    assert reviewed > 0, "the round has no disagreements to review"
    await press("escape")
    return pressed


# ---------------------------------------------------------------------------- the test
def test_the_done_when_round_through_the_workbench_equals_the_files_merge(
    hub: Hub,
    write_interview: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The sync on quit gives up after a few seconds so a dead server cannot hold the quit
    # (tested in test_workbench_sync.py); on a loaded test machine a live push can take
    # longer, and this test is about what the push carries, not how long it may take.
    from codebench.tui import app as app_module

    monkeypatch.setattr(app_module, "QUIT_SYNC_WAIT", 120.0)
    hub.add("lee", "lead")
    for name in CODERS:
        hub.add(name)
    lead_path, files_path = tmp_path / "lead.db", tmp_path / "files.db"
    lead = Project.init(lead_path, load_codebook(default_codebook_path()))
    try:
        assert lead.import_files([write_interview(t, tag=t) for t in NAMES]).ok
        lead.coder("lee", create=True)
        for i, name in enumerate(CODERS):
            lead.coder(name, create=True)
            assign(lead, name, NAMES[2 * i : 2 * i + 2])
        sample = draw_sample(lead, 0.34, list(CODERS), seed=11, name="s1", by="lee")
        start_round(lead, "pilot", sample="s1", by="lee")
        # Outside the round, bob codes one of alice's transcripts too: the release of the
        # round must not open it.
        shared = next(t for t in NAMES[:2] if t not in sample.transcripts)
        assign(lead, "bob", [shared])
    finally:
        lead.close()
    in_round = set(sample.transcripts)
    assert 2 <= len(in_round) <= 3
    shutil.copy(lead_path, files_path)  # the file world starts from the same design

    cli_ok("team", "publish", str(lead_path), hub.url("lee"))
    copies = {name: tmp_path / f"{name}.db" for name in CODERS}
    for name, path in copies.items():
        clone(hub.url(name), path, coder=name)

    # cara's copy reaches the hub through a proxy that can cut the network mid-push.
    seen_at_cut: list[tuple[str, bool]] = []

    def at_cut() -> None:
        seen_at_cut.extend(backends_of(hub, "cara"))

    proxy = CuttingProxy(hub.server.port, on_cut=at_cut)
    with hub.passfile.open("a", encoding="utf-8") as out:
        out.write(
            f"127.0.0.1:{proxy.port}:{hub.database}:{hub.login('cara')}:{hub.passwords['cara']}\n"
        )
    with Project.open(copies["cara"]) as copy:
        live = copy.setting(URL)
        assert live is not None
        copy.set_setting(URL, live.replace(f":{hub.server.port}/", f":{proxy.port}/"))

    try:
        # -------------------------------------------------------------- blind coding
        planned: dict[str, dict[str, list[list[str]]]] = {}
        for name in CODERS:
            with Project.open(copies[name]) as copy:
                mine = sorted({a.transcript.name for a in assignments(copy)})
            own = set(NAMES[2 * CODERS.index(name) : 2 * CODERS.index(name) + 2])
            assert set(mine) == own | in_round | ({shared} if name == "bob" else set())
            planned[name] = plan(name, mine, in_round)

        for name in ("alice", "bob"):
            with Project.open(copies[name]) as copy:

                async def coder_session(app: CodebenchApp, pilot: Any, name: str = name) -> None:
                    await settle_sync(app, pilot)  # the sync at start
                    for transcript, picks in planned[name].items():
                        await code_transcript(app, pilot, transcript, picks, transcript in in_round)
                    await app.action_quit()  # the sync on quit pushes it all

                run_app(CodebenchApp(copy, coder=name), coder_session)
            assert hub_codings_of(hub, name) == copy_codings_of(copies[name], name)
            assert len(hub_codings_of(hub, name)) == sum(
                len(c) for picks in planned[name].values() for c in picks
            )

        before_cut: dict[str, tuple[int, str]] = {}
        first, *rest = list(planned["cara"].items())

        async def cara_session(app: CodebenchApp, pilot: Any) -> None:
            await settle_sync(app, pilot)
            await code_transcript(app, pilot, first[0], first[1], first[0] in in_round)
            before_cut.update(hub_state(hub))
            proxy.arm()
            app._team_tick()  # a background sync, as the timer starts one
            await settle_sync(app, pilot)
            assert proxy.cuts == 1 and not proxy.armed
            with Project.open(copies["cara"]) as reader:
                queued = waiting(reader)
            assert queued >= sum(len(c) for c in first[1])
            # The project screen says so, whole, at 80 columns.
            await pilot.pause(0.7)
            line = f"offline — {queued} changes waiting"
            assert any(line in row for row in screen_text(app).splitlines()), screen_text(app)
            # The server ends the cut backend (its client is gone) and rolls its push back:
            # the hub is exactly as before, the change lock free again.
            deadline = time.monotonic() + 10
            while backends_of(hub, "cara"):
                assert time.monotonic() < deadline, backends_of(hub, "cara")
                await asyncio.sleep(0.05)
            assert hub_state(hub) == before_cut
            for transcript, picks in rest:
                await code_transcript(app, pilot, transcript, picks, transcript in in_round)
            await app.action_quit()  # the proxy forwards again: this sync converges

        with Project.open(copies["cara"]) as copy:
            run_app(CodebenchApp(copy, coder="cara"), cara_session)
        # The push's transaction was open, with rows written, when the network dropped …
        assert ("idle in transaction", True) in seen_at_cut, seen_at_cut
        # The sync on quit went through the proxy: everything once, nothing waiting.
        assert proxy.cuts == 1
        assert hub_codings_of(hub, "cara") == copy_codings_of(copies["cara"], "cara")
        with Project.open(copies["cara"]) as copy:
            assert waiting(copy) == 0
        with hub.connect_as("cara") as conn:  # blind, as the role itself, without codebench
            seen = conn.execute(
                "SELECT DISTINCT c.name FROM codebench.codings k"
                " JOIN codebench.coders c ON c.guid = k.coder_guid"
            ).fetchall()
        assert seen == [("cara",)]

        # -------------------------------------------------------------- the lead: sync, release
        synced = json.loads(cli_ok("sync", str(lead_path), "--json"))
        made = {name: len(copy_codings_of(copies[name], name)) for name in CODERS}
        assert synced["pulled"]["codings"] == sum(made.values())
        progress = json.loads(cli_ok("team", "status", str(lead_path), "--format", "json"))
        done = {(r["coder"], r["transcript"]) for r in progress if r["status"] == "done"}
        assert done == {(c, t) for c in CODERS for t in in_round}
        cli_ok("team", "release", str(lead_path), "--round", "1")
        for name, path in copies.items():
            cli_ok("sync", str(path))
            with Project.open(path) as copy:
                me = copy.coder(name).id
                others = {
                    copy.transcript(c.transcript_id).name
                    for c in copy.codings()
                    if c.coder_id != me
                }
            assert others == in_round, name
        with hub.connect_as("bob") as conn:  # and the database itself says the same
            visible = conn.execute(
                "SELECT DISTINCT t.name FROM codebench.codings k"
                " JOIN codebench.coders c ON c.guid = k.coder_guid"
                " JOIN codebench.transcripts t ON t.guid = k.transcript_guid"
                " WHERE c.name <> 'bob'"
            ).fetchall()
        assert {r[0] for r in visible} == in_round

        # On bob's screen the others' codings now show on the round's transcripts, and not on
        # the one he shares with alice outside the round.
        seen_chips: dict[str, list[str]] = {}
        with Project.open(copies["bob"]) as copy:

            async def bob_looks(app: CodebenchApp, pilot: Any) -> None:
                await settle_sync(app, pilot)
                for transcript in (sorted(in_round)[0], shared):
                    screen = await open_transcript(app, pilot, transcript)
                    seen_chips[transcript] = await others_shown(app, pilot, screen)
                    await pilot.press("q", "escape")
                    await pilot.pause()
                await app.action_quit()

            run_app(CodebenchApp(copy, coder="bob"), bob_looks)
        assert seen_chips[shared] == []
        assert {chip.split(":")[0] for chip in seen_chips[sorted(in_round)[0]]} == {"a", "c"}

        # -------------------------------------------------------------- review and adjudication
        keys: dict[str, list[str]] = {}
        with Project.open(lead_path) as lead_copy:

            async def lead_reviews(app: CodebenchApp, pilot: Any) -> None:
                await settle_sync(app, pilot)
                keys["hub"] = await review_round(app, pilot)
                await app.action_quit()  # the sync on quit pushes the consensus

            run_app(CodebenchApp(lead_copy, coder="lee"), lead_reviews)
            consensus = len(lead_copy.codings(coders=["consensus"]))
        with hub.admin() as admin:
            on_hub = admin.execute(
                "SELECT count(*) FROM codebench.codings k JOIN codebench.coders c"
                " ON c.guid = k.coder_guid WHERE c.kind = 'consensus' AND NOT k.deleted"
            ).fetchone()[0]
        assert on_hub == consensus > 0

        # -------------------------------------------------------------- the same work from files
        cli_ok("merge", str(files_path), *(str(p) for p in copies.values()))
        with Project.open(files_path) as files:

            async def files_review(app: CodebenchApp, pilot: Any) -> None:
                await pilot.pause()
                keys["files"] = await review_round(app, pilot)
                await app.action_quit()

            run_app(CodebenchApp(files, coder="lee"), files_review)
        assert keys["files"] == keys["hub"]
        assert sum(1 for k in keys["hub"] if k in ("m", "1")) >= 2

        hub_report, file_report = (
            json.loads(cli_ok("-p", str(p), *AGREEMENT)) for p in (lead_path, files_path)
        )
        assert _figures(hub_report) == _figures(file_report)
        assert [c["name"] for c in hub_report["coders"]] == list(CODERS)
        assert hub_report["codes"], hub_report  # figures per code, not an empty report
        hub_appendix = _appendix(lead_path, tmp_path / "hub.md")
        assert hub_appendix == _appendix(files_path, tmp_path / "files.md")
        assert any("with a written reason" in line for line in hub_appendix)
    finally:
        proxy.close()
