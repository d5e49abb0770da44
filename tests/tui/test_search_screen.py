"""The search screen (F8): hits in context, counts, blind codes, a reviewed batch applied and undone."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from codebench.analysis.search import search
from codebench.project import Project
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.modals.autocode_review import AutocodeReviewModal
from codebench.tui.modals.code_picker import CodePickerModal
from codebench.tui.screens.coding import CodingScreen
from codebench.tui.screens.search import HitRow, SearchScreen, kwic

CEO = "01-riverside-ceo"
SIZE = (80, 24)


def rows(app: CodebenchApp, which: str = "#search-table") -> list[str]:
    table = app.screen.query_one(which, DataTable)
    return [" | ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


def status(app: CodebenchApp) -> str:
    return str(app.screen.query_one("#search-status", Static).render())


def codings(project: Project) -> list[tuple[object, ...]]:
    return [tuple(r) for r in project.db.execute("SELECT * FROM codings ORDER BY id").fetchall()]


def play(path: Path, script: Callable[[Pilot, CodebenchApp], Awaitable[None]]) -> None:
    async def main() -> None:
        with Project.open(path) as project:
            app = make_app(project, coder="alice")
            async with app.run_test(size=SIZE) as pilot:
                app.animation_level = "none"
                await pilot.pause()
                await script(pilot, app)

    asyncio.run(main())


async def run(pilot: Pilot, app: CodebenchApp, line: str) -> None:
    field = app.screen.query_one(Input)
    field.focus()
    field.value = line
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()


def test_search_lists_hits_counts_and_opens_one(tui_project: Project, tui_path: Path) -> None:
    expected = search(tui_project, "commissioners").hits
    exact = search(tui_project, "commissioners", case_sensitive=True).hits
    assert len(expected) == 4 and len(exact) == 3  # "Commissioners" once, "commissioners" thrice
    tui_project.close()

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        await run(pilot, app, "commissioners")
        shown = rows(app)
        assert len(shown) == 4
        assert all(line.startswith(f"{CEO} ") for line in shown)
        assert [f"{CEO} {h.ordinal}" for h in expected] == [line.split(" | ")[0] for line in shown]
        assert "4 hits in" in status(app)
        assert status(app).startswith(" text, words ")
        # Every line fits the 80 columns beside a scroll bar: ellipsised, not clipped.
        table = app.screen.query_one("#search-table", DataTable)
        assert sum(c.width for c in table.columns.values()) + 2 * len(table.columns) <= 78
        await pilot.press("i")  # case as typed
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(rows(app)) == 3
        assert "case as typed" in status(app)
        await pilot.press("t")  # counts by transcript
        await pilot.pause()
        counts = rows(app, "#search-counts")
        assert any(line.startswith(f"{CEO} | 3 | ") for line in counts)
        await pilot.press("t")  # by speaker
        await pilot.pause()
        assert sum(int(line.split(" | ")[2]) for line in rows(app, "#search-counts")) == 3
        while app.screen.showing != "hits":
            await pilot.press("t")
            await pilot.pause()
        await pilot.press("G", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)
        assert app.screen.view.cursor == exact[-1].ordinal

    play(tui_path, script)


def test_query_mode_and_a_parse_error(tui_project: Project, tui_path: Path) -> None:
    codable = [s.ordinal for s in tui_project.segments(CEO) if s.codable]
    tui_project.code_segments("alice", CEO, codable[2:4], "04.2")
    tui_project.code_segments("bob", CEO, [codable[8]], "04.2")
    tui_project.close()

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("f8")
        await pilot.pause()
        await run(pilot, app, "=04.2 & & 10")
        assert "expected a code at column 8" in status(app)
        assert status(app).startswith(" query ")  # the "=" prefix chose the mode
        assert isinstance(app.screen, SearchScreen)
        await run(pilot, app, "=04.2")
        shown = rows(app)
        # Blind: only alice's passage (two segments), not bob's.
        assert len(shown) == 1
        assert shown[0].startswith(f"{CEO} {codable[2]}–{codable[3]} | ")
        await pilot.press("o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(rows(app)) == 2
        await pilot.press("r")  # still text mode (the "=" prefix ran the queries): a regex
        await run(pilot, app, "commission(ers")
        assert "not a valid regular expression" in status(app)
        assert status(app).startswith(" text, regex ")
        # The failed search leaves no hits behind: nothing listed, nothing `c` could code.
        assert rows(app) == [] and app.screen.result is None
        await run(pilot, app, r"commission\w+")
        assert len(rows(app)) == len(search(app.project, r"commission\w+", regex=True).hits)

    play(tui_path, script)


def test_hit_codes_are_blind_until_others_shown(tui_project: Project, tui_path: Path) -> None:
    hit = search(tui_project, "commissioners", case_sensitive=True).hits[0]
    tui_project.code_segments("bob", CEO, [hit.ordinal], "12")
    tui_project.code_segments("alice", CEO, [hit.ordinal], "10")
    tui_project.close()

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("f8")
        await pilot.pause()
        await run(pilot, app, "commissioners")
        first = next(r for r in rows(app) if r.startswith(f"{CEO} {hit.ordinal} "))
        assert first.endswith(" | 10")
        await pilot.press("o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        first = next(r for r in rows(app) if r.startswith(f"{CEO} {hit.ordinal} "))
        assert first.endswith(" | 10, b:12")

    play(tui_path, script)


def test_code_the_hits_as_a_reviewed_batch_then_undo(tui_project: Project, tui_path: Path) -> None:
    codable = [s.ordinal for s in tui_project.segments(CEO) if s.codable]
    tui_project.code_segments("bob", CEO, codable[:5], "12")
    tui_project.code_segments("alice", CEO, codable[5:7], "04")
    found = search(tui_project, "commissioners", case_sensitive=True)
    segments = sorted({h.ordinal for h in found.hits})
    before = codings(tui_project)
    events_before = tui_project.db.execute("SELECT count(*) FROM events").fetchone()[0]
    tui_project.close()
    after: list[list[tuple[object, ...]]] = []

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("f8")
        await pilot.pause()
        await run(pilot, app, "commissioners")
        await pilot.press("i")  # case as typed (the list has the focus after a search)
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CodePickerModal)
        await pilot.press("1", "2", "enter")
        await pilot.pause()
        assert isinstance(app.screen, AutocodeReviewModal)
        heading = str(app.screen.query_one("#review-heading", Static).render())
        assert f"on {len(segments)} of {len(segments)} passages, as alice" in heading
        await pilot.press("x")  # reject passage 1
        await pilot.pause()
        heading = str(app.screen.query_one("#review-heading", Static).render())
        assert f"on {len(segments) - 1} of {len(segments)}" in heading
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        project = app.project
        mine = project.codings(transcript=CEO, coders=["alice"], codes=["12"])
        spans = {(s.start, s.end) for s in project.segments(CEO) if s.ordinal in segments[1:]}
        assert {(c.start, c.end) for c in mine} == spans
        actions = [
            r[0]
            for r in project.db.execute("SELECT action FROM events WHERE id > ?", (events_before,))
        ]
        assert actions == ["coding.add"]
        bob = project.codings(transcript=CEO, coders=["bob"])
        assert len(bob) == 5  # never into another coder's codings
        await pilot.press("u")
        await pilot.pause()
        after.append(codings(project))

    play(tui_path, script)
    assert after[0] == before


def test_kwic_fits_its_width() -> None:
    row = HitRow("t", 0, 0, "", "a " * 80, "commissioners", " b" * 80, "")
    for width in (20, 37, 60):
        line = kwic(row, width)
        assert line.cell_len == width
        assert "commissioners" in line.plain or "…" in line.plain
    short = kwic(HitRow("t", 0, 0, "", "", "x" * 100, "", ""), 30)
    assert short.cell_len == 30 and short.plain.endswith("…")


def test_the_palette_and_help_offer_the_search(tui_path: Path) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Search text & query codes" in titles
        await pilot.press("f8")
        await pilot.pause()
        await run(pilot, app, "commissioners")  # the hit list has the focus
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Code hits", "Counts", "Undo your last action"} <= titles

    play(tui_path, script)


def test_a_saved_query_runs_with_its_scope(tui_project: Project, tui_path: Path) -> None:
    from codebench.analysis.saved import save_query
    from codebench.analysis.scope import ScopeSpec

    other = "05-activelife-director"
    mine = [s.ordinal for s in tui_project.segments(CEO) if s.codable]
    theirs = [s.ordinal for s in tui_project.segments(other) if s.codable]
    tui_project.code_segments("alice", CEO, mine[1:2], "10")
    tui_project.code_segments("alice", other, theirs[4:5], "10")
    save_query(tui_project, "ten in ceo", "10", ScopeSpec(transcripts=(CEO,)))
    tui_project.close()

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("f8")
        await pilot.pause()
        await run(pilot, app, "=10")
        assert len(rows(app)) == 2  # both transcripts without the saved scope
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [r.split(" | ")[0] for r in rows(app)] == [f"{CEO} {mine[1]}"], status(app)
        assert "saved query ten in ceo" in status(app)
        assert f"scope: transcripts {CEO}" in status(app)

    play(tui_path, script)
