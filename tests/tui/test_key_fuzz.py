"""Random keys, fixed seed: the workbench must survive a few thousand of them.

The keys are every key bound anywhere in the workbench, random printable
characters, and the keys that stress screen changes (``ctrl+p`` then a page
key at once, escape, enter, tab). They arrive in bursts, as from a fast
typist or a paste, so a key can land while the screen it opened is still
being built: that is how ``ctrl+p`` + PageUp used to crash.

Quitting is disabled for the run (``q`` on the transcripts screen would
otherwise end it early); an uncaught exception still ends the app, which
fails the test with the seed and the last keys sent.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
import random
import string
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.binding import Binding
from textual.command import CommandPalette
from textual.dom import DOMNode
from textual.keys import _character_to_key
from textual.screen import Screen
from textual.widgets import Select

import codebench.tui
from codebench.project import Project
from codebench.tui.app import CodebenchApp
from codebench.tui.screens.help import HelpScreen
from codebench.tui.widgets.lists import NavDataTable, NavOptionList, NavSelectionList, NavTree

SEED = 20261203
BURSTS = 450
CEO = "01-riverside-ceo"
#: Keys that end the process or leave it (Textual's own): not what this test is about.
NEVER = {"ctrl+q", "ctrl+c", "ctrl+z"}
STRESS = ["pageup", "pagedown", "escape", "enter", "tab", "shift+tab", "up", "down"]
#: Screens the walk leaves early (see :func:`fuzz`).
SLOW_SCREENS = (CommandPalette, HelpScreen)
CHARS = {"enter": "\r", "tab": "\t", "escape": "\x1b", "space": " ", "backspace": "\x7f"}


class FuzzApp(CodebenchApp):
    """The workbench with quitting switched off, so the keys keep coming."""

    exits = 0

    def exit(self, *args: Any, **kwargs: Any) -> None:
        self.exits += 1


def bound_keys() -> list[str]:
    """Every key of every binding declared in the workbench's package."""
    keys: set[str] = set()
    for info in pkgutil.walk_packages(codebench.tui.__path__, "codebench.tui."):
        module = importlib.import_module(info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, DOMNode) or not cls.__module__.startswith("codebench."):
                continue
            for binding in cls.__dict__.get("BINDINGS", []):
                key = binding.key if isinstance(binding, Binding) else binding[0]
                keys.update(k.strip() for k in key.split(","))
    return sorted(keys - NEVER)


def key_event(key: str) -> events.Key:
    if len(key) == 1:
        return events.Key(_character_to_key(key), key)
    return events.Key(key, CHARS.get(key))


def lists_are_ours(screen: Screen) -> list[str]:
    """The lists on ``screen`` that lack the app's list keys (Textual's own inside a Select aside)."""
    return [
        repr(w)
        for w in screen.query("DataTable, OptionList, Tree")
        if not any(isinstance(a, Select) for a in w.ancestors)
        and not isinstance(w, (NavDataTable, NavOptionList, NavSelectionList, NavTree))
        and type(w).__module__.startswith(("textual.widgets", "codebench"))
        and type(w).__name__ != "CommandList"
    ]


async def keys_handled(app: CodebenchApp, limit: float = 5.0) -> None:
    """Until the app has handled every key sent (its key queue is empty), not until it is idle.

    Waiting for idle would also wait for the workers the keys started (agreement,
    reports), which is most of the time and none of the point.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    await asyncio.sleep(0)
    while (app._key_busy or app._key_queue) and loop.time() < deadline:
        await asyncio.sleep(0.005)


def fuzz(app: CodebenchApp, *, seed: int, bursts: int) -> dict[str, Any]:
    """Send ``bursts`` bursts of random keys; fail with the seed and the last keys on any crash."""
    rng = random.Random(seed)
    pool = bound_keys()
    printable = list(string.ascii_letters + string.digits + " .-/?")
    sent: deque[str] = deque(maxlen=40)
    seen_screens: set[str] = set()
    strays: set[str] = set()

    def pick() -> list[str]:
        roll = rng.random()
        if roll < 0.04:  # the palette is slow to search: often enough, not too often
            return ["ctrl+p", rng.choice(["pageup", "pagedown", "down", "up", "enter"])]
        if roll < 0.55:
            return [rng.choice(pool)]
        if roll < 0.8:
            return [rng.choice(printable)]
        return [rng.choice(STRESS)]

    async def main() -> int:
        count = 0
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            for number in range(bursts):
                burst = [key for _ in range(rng.randint(1, 8)) for key in pick()]
                if isinstance(app.screen, SLOW_SCREENS) and rng.random() < 0.5:
                    # Textual's palette searches on every letter and the help screen is one
                    # big text: leave them soon, and spend the keys on the workbench's own code.
                    burst.insert(0, "escape")
                for key in burst:
                    sent.append(key)
                    app.post_message(key_event(key))
                count += len(burst)
                await keys_handled(app)
                if number % 10 == 9:
                    await pilot.pause()  # now and then, also let the screen draw and settle
                assert app.is_running and app.crash is None, "the app stopped"
                seen_screens.add(type(app.screen).__name__)
                strays.update(lists_are_ours(app.screen))
            await app.workers.wait_for_complete()
            await pilot.pause()
        return count

    try:
        count = asyncio.run(main())
    except BaseException as error:
        crash = app.crash.message if app.crash else f"{type(error).__name__}: {error}"
        raise AssertionError(
            f"seed {seed}: {crash}; last keys: {' '.join(sent)}; screens: {sorted(seen_screens)}"
        ) from error
    return {"keys": count, "screens": seen_screens, "strays": strays}


@pytest.fixture
def seeded(tui_project: Project) -> Project:
    """Two coders' codings, both done, so the review and reports screens have something to show."""
    codable = [s.ordinal for s in tui_project.segments(CEO) if s.codable]
    tui_project.code_segments("alice", CEO, codable[:4], "04")
    tui_project.code_segments("bob", CEO, codable[2:6], "04")
    tui_project.code_segments("bob", CEO, codable[:2], "13.2")
    for coder in ("alice", "bob"):
        tui_project.set_status(coder, CEO, "done")
    return tui_project


@pytest.mark.slow  # about a minute: every key waits for the one before it (CodebenchApp.on_event)
def test_random_keys_never_crash_the_workbench(
    seeded: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a palette "Screenshot" lands here, not in the checkout
    app = FuzzApp(seeded, coder="alice", transcript=CEO)
    report = fuzz(app, seed=SEED, bursts=BURSTS)
    assert report["keys"] > 2000
    assert report["strays"] == set(), report["strays"]
    # The walk went beyond the coding screen (else it tested little).
    assert len(report["screens"]) >= 4, report["screens"]


class _BrokenApp(FuzzApp):
    """Fails on the 300th key: the harness must report it, not swallow it."""

    keys_seen = 0

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self.keys_seen += 1
            if self.keys_seen == 300:
                self.call_later(_raise)
        await super().on_event(event)


def _raise() -> None:
    raise KeyError(0)


def test_a_crash_during_the_fuzz_fails_it(seeded: Project) -> None:
    make: Callable[[], FuzzApp] = lambda: _BrokenApp(seeded, coder="alice", transcript=CEO)
    app = make()
    with pytest.raises(AssertionError, match=r"seed 7: .*KeyError: 0"):
        fuzz(app, seed=7, bursts=200)
    assert app.crash is not None
