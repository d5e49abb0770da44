"""The search screen's scope (w), saving a query (s), and the passages behind each count (Enter).

The small project has two interviews: the Riverside CEO (role senior
manager, stage newly spun out) and the ActiveLife director (senior manager,
established). Expected hits are counted from the segments' own text, not
from the search under test.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, OptionList, Static

from codebench.project import Project
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.modals.ask import AskModal
from codebench.tui.modals.passages import PassagesModal
from codebench.tui.modals.scope import ScopeModal
from codebench.tui.screens.coding import CodingScreen
from codebench.tui.screens.search import SearchScreen

from .test_search_screen import run

CEO = "01-riverside-ceo"
OTHER = "05-activelife-director"
WORD = re.compile(r"\bcommissioners\b", re.IGNORECASE)


def rows(app: CodebenchApp, which: str = "#search-table") -> list[str]:
    table = app.screen.query_one(which, DataTable)
    return [" | ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


def status(app: CodebenchApp) -> str:
    return str(app.screen.query_one("#search-status", Static).render())


def play(path: Path, script: Callable[[Pilot, CodebenchApp], Awaitable[None]]) -> None:
    async def main() -> None:
        with Project.open(path) as project:
            app = make_app(project, coder="alice")
            async with app.run_test(size=(80, 24)) as pilot:
                app.animation_level = "none"
                await pilot.pause()
                await pilot.press("f8")
                await pilot.pause()
                assert isinstance(app.screen, SearchScreen)
                await script(pilot, app)

    asyncio.run(main())


async def set_scope(pilot: Pilot, app: CodebenchApp, **fields: str | bool) -> None:
    """Open the scope modal, fill the named fields and boxes (the rest emptied), Enter."""
    if app.screen.query_one(Input).has_focus:
        await pilot.press("tab")  # out of the search box (where w is a letter)
    await pilot.press("w")
    await pilot.pause()
    assert isinstance(app.screen, ScopeModal)
    for name in ("where", "transcripts", "coders", "speaker", "round", "in-code"):
        value = fields.get(name.replace("-", "_"), "")
        assert isinstance(value, str)
        app.screen.query_one(f"#scope-{name}", Input).value = value
    for name in ("consensus", "lemma"):
        app.screen.query_one(f"#scope-{name}", Checkbox).value = bool(fields.get(name, False))
    app.screen.query_one("#scope-where", Input).focus()
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, SearchScreen)


def word_hits(project: Project, transcript: str) -> dict[int, int]:
    """``{ordinal: hits}`` of "commissioners" in a transcript, from the segments' text."""
    text = project.text(transcript)
    found = {
        s.ordinal: len(WORD.findall(text[s.start : s.end])) for s in project.segments(transcript)
    }
    return {k: v for k, v in found.items() if v}


def test_scope_limits_the_search_and_shows_in_the_header(
    tui_project: Project, tui_path: Path
) -> None:
    in_ceo = word_hits(tui_project, CEO)
    in_other = word_hits(tui_project, OTHER)
    assert sum(in_ceo.values()) == 4 and not in_other  # the four hits are all the CEO's
    # alice codes one hit's segment 10; bob codes another one 10 (blind: not alice's).
    first, *rest = sorted(in_ceo)
    tui_project.code_segments("alice", CEO, [first], "10")
    tui_project.code_segments("bob", CEO, [rest[0]], "10")
    speaker = next(s.speaker for s in tui_project.segments(CEO) if s.ordinal == first)
    said = {
        o: n
        for o, n in in_ceo.items()
        if next(s.speaker for s in tui_project.segments(CEO) if s.ordinal == o) == speaker
    }
    tui_project.close()

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await run(pilot, app, "commissioners")
        assert len(rows(app)) == 4
        assert "scope: everything" in status(app)
        await set_scope(pilot, app, where="stage=established")
        assert "scope: stage=established" in status(app)
        assert rows(app) == [] and "0 hits" in status(app)
        await set_scope(pilot, app, where="stage!=established; role=senior manager")
        assert "scope: stage!=established · role=senior manager" in status(app)
        assert len(rows(app)) == 4
        await set_scope(pilot, app, transcripts=OTHER)
        assert rows(app) == []
        await set_scope(pilot, app, speaker=speaker)
        assert f"speaker {speaker}" in status(app)
        assert len(rows(app)) == sum(said.values())
        # Only inside alice's passages coded 10 (blind): bob's 10 does not count.
        await set_scope(pilot, app, in_code="10")
        assert "in code 10" in status(app)
        assert [r.split(" | ")[0] for r in rows(app)] == [f"{CEO} {first}"] * in_ceo[first]
        await pilot.press("o")  # everyone's codings: bob's passage coded 10 too
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(rows(app)) == in_ceo[first] + in_ceo[rest[0]]

    play(tui_path, script)


def test_a_bad_scope_is_one_line_and_lists_nothing(tui_path: Path) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await set_scope(pilot, app, where="role=nobody")  # nothing typed yet: checked at once
        assert "--where role=nobody: no transcript has role='nobody'" in status(app)
        await run(pilot, app, "commissioners")
        assert rows(app) == [] and app.screen.result is None
        assert "no transcript has role='nobody'" in status(app)
        await set_scope(pilot, app, round="7")
        assert "round" in status(app).split("\n", 2)[2]  # the error line names the round
        await set_scope(pilot, app, in_code="04 & &")
        assert "expected a code" in status(app)
        await set_scope(pilot, app)
        assert len(rows(app)) == 4 and "scope: everything" in status(app)

    play(tui_path, script)


def test_save_the_query_shown_with_its_scope(tui_project: Project, tui_path: Path) -> None:
    mine = [s.ordinal for s in tui_project.segments(CEO) if s.codable]
    tui_project.code_segments("alice", CEO, mine[1:2], "10")
    tui_project.close()

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("s")  # nothing run yet: nothing to save
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        await set_scope(pilot, app, transcripts=CEO, where="role=senior manager")
        await run(pilot, app, "=10")
        assert len(rows(app)) == 1
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, AskModal)
        app.screen.query_one(Input).value = "ten in ceo"
        await pilot.press("enter")
        await pilot.pause()
        assert "saved query ten in ceo" in status(app)
        saved = app.project.db.execute(
            "SELECT name, expression, scope FROM saved_queries"
        ).fetchall()
        assert [(r[0], r[1], json.loads(r[2])) for r in saved] == [
            ("ten in ceo", "10", {"where": ["role=senior manager"], "transcripts": [CEO]})
        ]  # the scope as typed, without the viewer's blind coder
        event = app.project.db.execute(
            "SELECT payload FROM events WHERE action = 'query.save'"
        ).fetchall()
        assert len(event) == 1 and json.loads(event[0][0])["name"] == "ten in ceo"
        # It is listed (l) and, chosen, brings its scope back into force.
        await set_scope(pilot, app)
        await pilot.press("l")
        await pilot.pause()
        listing = app.screen.query_one("#search-saved", OptionList)
        assert [str(listing.get_option_at_index(0).prompt)] == ["ten in ceo: 10"]
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert f"transcripts {CEO}" in status(app)

    play(tui_path, script)


def test_enter_on_a_count_lists_its_passages_and_opens_one(
    tui_project: Project, tui_path: Path
) -> None:
    mine = [s.ordinal for s in tui_project.segments(CEO) if s.codable]
    theirs = [s.ordinal for s in tui_project.segments(OTHER) if s.codable]
    # Two separate passages in the CEO's interview, one in the director's.
    assert mine[5] - mine[1] > 1
    tui_project.code_segments("alice", CEO, [mine[1]], "10")
    tui_project.code_segments("alice", CEO, [mine[5]], "10")
    tui_project.code_segments("alice", OTHER, [theirs[3]], "10")
    tui_project.close()

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await run(pilot, app, "=10")
        assert len(rows(app)) == 3
        await pilot.press("t")  # by transcript
        await pilot.pause()
        counts = app.screen.query_one("#search-counts", DataTable)
        assert counts.header_height == 1  # no blank line under a one-line header
        assert rows(app, "#search-counts") == [f"{CEO} | 2 | 2", f"{OTHER} | 1 | 1"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PassagesModal)
        assert [q.location for q in app.screen.quotes] == [
            f"{CEO}, segment {mine[1]}",
            f"{CEO}, segment {mine[5]}",
        ]
        heading = str(app.screen.query_one("#passages-heading", Static).render())
        assert f"The 2 passages behind Transcript {CEO}" in heading
        await pilot.press("j", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)
        assert app.screen.view.cursor == mine[5]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        while app.screen.showing != "attribute:stage":
            await pilot.press("t")
            await pilot.pause()
        shown = rows(app, "#search-counts")
        # value | n | transcripts with passages | passages | segments
        assert shown == ["established | 1 | 1 | 1 | 1", "newly spun out | 1 | 1 | 2 | 2"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PassagesModal)
        assert [q.location for q in app.screen.quotes] == [f"{OTHER}, segment {theirs[3]}"]

    play(tui_path, script)


def test_enter_on_a_search_count_lists_its_hits(tui_project: Project, tui_path: Path) -> None:
    in_ceo = word_hits(tui_project, CEO)
    tui_project.close()

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await run(pilot, app, "commissioners")
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PassagesModal)
        where = [q.location for q in app.screen.quotes]
        assert where == [f"{CEO}, segment {o}" for o in sorted(in_ceo) for _ in range(in_ceo[o])]
        assert all("[commissioners]" in q.text.casefold() for q in app.screen.quotes)
        await pilot.press("escape", "down", "enter")  # the director's row: no hits
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)

    play(tui_path, script)


def test_the_screen_and_the_cli_find_the_same_hits_in_a_scope(
    tui_project: Project, tui_path: Path
) -> None:
    from click.testing import CliRunner

    from codebench.cli import cli

    in_ceo = word_hits(tui_project, CEO)
    tui_project.code_segments("alice", CEO, sorted(in_ceo)[1:3], "10")
    tui_project.close()
    args = ["search", "commissioners", "--where", "stage!=established", "--in-code", "10"]
    out = CliRunner().invoke(
        cli, ["-p", str(tui_path), *args, "--coder", "alice", "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    expected = [f"{h['transcript']} {h['ordinal']}" for h in json.loads(out.output)["hits"]]
    assert expected == [f"{CEO} {o}" for o in sorted(in_ceo)[1:3] for _ in range(in_ceo[o])]

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await set_scope(pilot, app, where="stage!=established", in_code="10")
        await run(pilot, app, "commissioners")
        assert [r.split(" | ")[0] for r in rows(app)] == expected

    play(tui_path, script)


def codable(project: Project, transcript: str, n: int) -> list[int]:
    """The first ``n`` codable ordinals, none next to another (so each is a passage of its own)."""
    found: list[int] = []
    for s in project.segments(transcript):
        if s.codable and (not found or s.ordinal > found[-1] + 1):
            found.append(s.ordinal)
    return found[:n]


def coded_ordinals(project: Project, transcript: str, coder: str, code: str) -> list[int]:
    """The ordinals ``coder``'s codings of ``code`` lie on, read back from the project."""
    code_id = project.code(code).id
    return sorted(
        s.ordinal
        for c in project.codings(transcript=transcript, coders=[project.coder(coder)])
        if c.code_id == code_id
        for s in project.segments(transcript)
        if c.start < s.end and c.end > s.start
    )


def test_coders_in_the_scope_count_only_once_others_are_shown(
    tui_project: Project, tui_path: Path
) -> None:
    from codebench.agreement.consensus import consensus_coder

    mine, bobs, agreed = codable(tui_project, CEO, 3)
    tui_project.code_segments("alice", CEO, [mine], "10")
    tui_project.code_segments("bob", CEO, [bobs], "10")
    consensus_coder(tui_project)
    tui_project.code_segments("consensus", CEO, [agreed], "10")
    assert coded_ordinals(tui_project, CEO, "bob", "10") == [bobs]
    tui_project.close()

    def listed(app: CodebenchApp) -> list[str]:
        return [r.split(" | ")[0] for r in rows(app)]

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await run(pilot, app, "=10")
        assert listed(app) == [f"{CEO} {mine}"]  # blind: alice's own codings only
        # Blind, --coder naming anyone else is one red line and nothing listed.
        for typed, boxes in (("bob", {}), ("all", {}), ("", {"consensus": True})):
            await set_scope(pilot, app, coders=typed, **boxes)
            assert rows(app) == [] and app.screen.result is None
            line = status(app).split("\n")[2]
            assert line.startswith("blind: --coder ") and "o shows everyone's" in line
        # Naming herself is what blind counts anyway.
        await set_scope(pilot, app, coders="alice")
        assert listed(app) == [f"{CEO} {mine}"] and "scope: coders alice" in status(app)
        await pilot.press("o")  # others shown: now --coder chooses whose codings count
        await app.workers.wait_for_complete()
        await pilot.pause()
        await set_scope(pilot, app, coders="bob")
        assert listed(app) == [f"{CEO} {bobs}"]
        assert "codings of bob" in status(app) and "scope: coders bob" in status(app)
        await set_scope(pilot, app, coders="alice,bob")
        assert listed(app) == [f"{CEO} {o}" for o in sorted([mine, bobs])]
        await set_scope(pilot, app, consensus=True)
        assert listed(app) == [f"{CEO} {agreed}"] and "coders consensus" in status(app)
        await set_scope(pilot, app, coders="zed")
        assert rows(app) == []
        assert status(app).split("\n")[2].startswith("no coder named 'zed'")

    play(tui_path, script)


def test_the_scope_keys_tick_a_box_and_enter_applies_from_it(tui_path: Path) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("tab", "w")
        await pilot.pause()
        assert isinstance(app.screen, ScopeModal)
        for _ in range(6):  # where, transcripts, coders, speaker, round, in-code → consensus
            await pilot.press("tab")
        box = app.screen.query_one("#scope-consensus", Checkbox)
        assert box.has_focus and not box.value
        # Empty fields say what empty means, and a box's state reads without colour.
        where = app.screen.query_one("#scope-where")
        assert "(every transcript)" in "".join(s.text for s in where.render_line(0))
        assert "✓" not in "".join(s.text for s in box.render_line(0))
        await pilot.press("space")
        await pilot.pause()
        assert box.value
        assert "✓" in "".join(s.text for s in box.render_line(0))
        await pilot.press("tab", "space", "enter")  # lemma ticked, Enter applies
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        assert app.screen.chosen.lemma and app.screen.chosen.spec.coders == ("consensus",)
        assert "scope: coders consensus · lemma" in status(app)
        # Opened again, the modal shows what is in force; ctrl+r empties every field and box.
        await pilot.press("w")
        await pilot.pause()
        assert app.screen.query_one("#scope-consensus", Checkbox).value
        await pilot.press("ctrl+r", "enter")
        await pilot.pause()
        assert "scope: everything" in status(app)

    play(tui_path, script)


def test_lemma_in_the_scope_finds_every_inflection_as_the_cli_does(
    tui_project: Project, tui_path: Path
) -> None:
    from click.testing import CliRunner

    from codebench.cli import cli

    # Every form of "commission" (not "commissioner": another lemma), from the segments themselves.
    forms = re.compile(r"\bcommission(s|ed|ing)?\b", re.IGNORECASE)
    plain = re.compile(r"\bcommissioning\b", re.IGNORECASE)
    with_forms: list[str] = []
    only_plain: list[str] = []
    for name in (CEO, OTHER):
        text = tui_project.text(name)
        for s in tui_project.segments(name):
            with_forms += [f"{name} {s.ordinal}"] * len(forms.findall(text[s.start : s.end]))
            only_plain += [f"{name} {s.ordinal}"] * len(plain.findall(text[s.start : s.end]))
    tui_project.close()
    out = CliRunner().invoke(
        cli, ["-p", str(tui_path), "search", "commissioning", "--lemma", "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    expected = [f"{h['transcript']} {h['ordinal']}" for h in json.loads(out.output)["hits"]]
    assert sorted(expected) == sorted(with_forms) and len(with_forms) > len(only_plain)

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await run(pilot, app, "commissioning")
        assert sorted(f"{r.transcript} {r.ordinal}" for r in app.screen.rows) == sorted(only_plain)
        await set_scope(pilot, app, lemma=True)
        assert "scope: lemma" in status(app) and "every inflection" in status(app)
        assert [f"{r.transcript} {r.ordinal}" for r in app.screen.rows] == expected
        app.screen.regex = True  # a regular expression matches characters, not words
        await run(pilot, app, "commission.*")
        assert rows(app) == []
        assert "cannot be used with --regex" in status(app).split("\n")[2]

    play(tui_path, script)
