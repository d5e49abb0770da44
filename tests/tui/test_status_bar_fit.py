"""The coding screen's status bar at 80 columns: fields shorten, none is cut off.

A team copy's line ("offline — 1 change waiting") plus a finished transcript
used to push the segment's position and the last action off an 80-column
terminal; the bar now drops words in a fixed order instead.
"""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult
from textual.widget import Widget

from codebench.tui.widgets.status_bar import StatusBar


def shown(widget: Widget) -> str:
    return "".join(segment.text for segment in widget.render_line(0)).rstrip()


class Bar(App[None]):
    CSS = "StatusBar { height: 1; width: 100%; }"

    def compose(self) -> ComposeResult:
        yield StatusBar()


def show(bar: StatusBar, **changes: object) -> None:
    fields: dict[str, object] = {
        "coder": "alice",
        "transcript": "03-westmoor-commissioner",
        "coded": 140,
        "codable": 140,
        "status": "done",
        "position": "seg 3 (0–139)",
        "last": "",
        "others": False,
        "visual": False,
        "team": "offline — 1 change waiting",
    }
    fields.update(changes)
    bar.show(**fields)  # type: ignore[arg-type]


def test_offline_and_done_keep_the_position_at_80_columns() -> None:
    asyncio.run(_test_offline_and_done_keep_the_position_at_80_columns())


async def _test_offline_and_done_keep_the_position_at_80_columns() -> None:
    app = Bar()
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.query_one(StatusBar)
        show(bar)
        await pilot.pause()
        line = shown(bar)
        assert "offline — 1 change waiting" in line
        assert "✓ DONE" in line
        assert line.endswith("seg 3 (0–139)"), line
        assert "…" not in line
        assert "140/140 (100%)" in line  # "coded" is the first word to go


def test_a_last_message_keeps_room_and_no_field_is_cut() -> None:
    asyncio.run(_test_a_last_message_keeps_room_and_no_field_is_cut())


async def _test_a_last_message_keeps_room_and_no_field_is_cut() -> None:
    app = Bar()
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.query_one(StatusBar)
        show(bar, last="coded 04.1 Disadvantages of the ethos")
        await pilot.pause()
        line = shown(bar)
        assert "offline — 1 change waiting" in line  # the offline line's words go last
        assert "│ seg 3 │" in line  # the range goes before the message
        assert "✓ DONE  │ seg 3 │" in line
        assert "│ coded" in line  # the message begins, at least
        assert len(line) <= 80


def test_a_wide_terminal_shows_every_field_in_full() -> None:
    asyncio.run(_test_a_wide_terminal_shows_every_field_in_full())


async def _test_a_wide_terminal_shows_every_field_in_full() -> None:
    app = Bar()
    async with app.run_test(size=(200, 24)) as pilot:
        bar = app.query_one(StatusBar)
        show(bar, last="coded 04.1 Disadvantages of the ethos")
        await pilot.pause()
        line = shown(bar)
        for part in (
            "03-westmoor-commissioner",
            "offline — 1 change waiting",
            "140/140 coded (100%)",
            "✓ DONE",
            "seg 3 (0–139)",
            "coded 04.1 Disadvantages of the ethos",
        ):
            assert part in line, (part, line)


def test_a_solo_project_at_80_columns_reads_as_before() -> None:
    asyncio.run(_test_a_solo_project_at_80_columns_reads_as_before())


async def _test_a_solo_project_at_80_columns_reads_as_before() -> None:
    app = Bar()
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.query_one(StatusBar)
        show(bar, team="", coded=3, status="in-progress", last="coded 04.1")
        await pilot.pause()
        line = shown(bar)
        assert line == " alice │ 3/140 coded (2%) │ in progress │ seg 3 (0–139) │ coded 04.1", line


def test_the_offline_words_shorten_last_and_never_mid_field() -> None:
    asyncio.run(_test_the_offline_words_shorten_last_and_never_mid_field())


async def _test_the_offline_words_shorten_last_and_never_mid_field() -> None:
    app = Bar()
    async with app.run_test(size=(60, 24)) as pilot:
        bar = app.query_one(StatusBar)
        show(bar, team="offline — 34 changes waiting", last="coded 04.1")
        await pilot.pause()
        line = shown(bar)
        assert line.startswith(" alice │ offline: 34 waiting │ 140/140 (100%) │  ✓  │ seg 3"), line
