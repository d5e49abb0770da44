"""The workbench application and the factory the CLI, tests and benchmarks share.

``make_app(project, coder=..., transcript=...)`` resolves who is coding
(argument, ``$CODEBENCH_CODER``, the name remembered in the project, or a
first-run prompt), loads the user's keymap and returns a
:class:`CodebenchApp` ready to ``run()`` or ``run_test()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections import deque
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandListItem, CommandPalette, SimpleProvider
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widget import AwaitMount

from codebench.errors import CodebenchError
from codebench.safety import terminal_safe

if TYPE_CHECKING:
    from collections.abc import Callable

    from codebench.coding.actions import History
    from codebench.models import Coder
    from codebench.project import Project
    from codebench.team.background import BackgroundSync
    from codebench.tui.crash import Crash

LAST_CODER = "tui.last_coder"
#: Seconds the quit waits for the last sync of a team copy before it gives up (the work stays
#: in the copy and goes up with the next sync).
QUIT_SYNC_WAIT = 6.0
#: Seconds after a background sync during which a change seen in the file is taken for its work.
SYNC_CHANGE_WINDOW = 3.0


class CodebenchApp(App[None]):
    """Project screen → coding screen, with help, command palette and codebook editor on top."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    """Absolute, so subclasses defined elsewhere (tests, embedders) find it too."""
    TITLE = "codebench"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("f2", "codebook", "Codebook editor", show=False, id="app.codebook"),
        Binding("f3", "review", "Agreement review", id="app.review"),
        Binding("f4", "reports", "Reports", id="app.reports"),
        Binding("f5", "memos", "Memos", show=False, id="app.memos"),
        Binding(
            "f6",
            "pseudonymise",
            "Pseudonymise: review candidates",
            show=False,
            id="app.pseudonymise",
        ),
        Binding("f7", "framework", "Framework matrix", show=False, id="app.framework"),
        Binding("f8", "search", "Search text & query codes", show=False, id="app.search"),
    ]

    def __init__(
        self,
        project: Project,
        *,
        coder: str | None = None,
        transcript: str | None = None,
        keymap: dict[str, str] | None = None,
        keymap_error: str | None = None,
        welcome: bool | None = None,
    ) -> None:
        """``welcome``: show the first-run overlay to a coder who has not seen it (default:
        unless ``$CODEBENCH_NO_WELCOME`` is set; see :mod:`codebench.tui.screens.welcome`)."""
        super().__init__()
        self.project = project
        self.coder_name = coder
        self.coder: Coder | None = None
        self.start_transcript = transcript
        self.user_keymap = keymap or {}
        self.keymap_error = keymap_error
        self._history: History | None = None
        self._key_queue: deque[events.Key] = deque()
        self._released_keys: set[int] = set()
        self._key_busy = False
        self._key_tasks: set[asyncio.Task[None]] = set()
        self.crash: Crash | None = None
        self.team_sync: BackgroundSync | None = None
        """Background syncs with the hub, when the project is a team copy (see :meth:`_start_team_sync`)."""
        self._team_finished_at = -1e9
        self._team_error_shown = ""
        self.welcome = (
            welcome if welcome is not None else not os.environ.get("CODEBENCH_NO_WELCOME")
        )
        """The uncaught exception that ended the app, with its log file (see :mod:`codebench.tui.crash`)."""

    # ------------------------------------------------------------------ crashes
    def _handle_exception(self, error: Exception) -> None:
        """A bug ended the app: log the traceback to a file instead of printing it at exit.

        Textual still stops the app (and records the error for tests); the
        command that ran the app prints :attr:`crash`'s one-line message and
        exits with status 1.
        """
        from codebench.tui.crash import Crash

        if self.crash is None:
            self.crash = Crash.record(error)
        super()._handle_exception(error)
        if self.crash.log is not None:
            renderables = getattr(self, "_exit_renderables", None)
            if isinstance(renderables, list):
                renderables.clear()  # the log has the traceback; the terminal gets one line

    # ------------------------------------------------------------------ safe text
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification (screens' and widgets' ``notify`` come here) shows its text literally.

        Messages quote code, transcript, coder and file names and error texts:
        never markup, and control characters made visible.
        """
        super().notify(
            terminal_safe(message),
            title=terminal_safe(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def format_title(self, title: str, sub_title: str) -> Content:
        """The header's title and sub-title (project file and coder names) with controls visible."""
        return super().format_title(terminal_safe(title), terminal_safe(sub_title))

    # ------------------------------------------------------------------ key order
    #: Longest wait for one step of a key's handling before moving on (s).
    KEY_SETTLE_TIMEOUT = 0.5

    async def on_event(self, event: events.Event) -> None:
        """Handle keys one at a time, in order, across screen changes.

        Textual forwards each key to the focused widget's queue, from where it
        bubbles up to the screen and back to the app (which runs the key's
        binding), and meanwhile goes on forwarding the next keys. A fast
        typist's ``c04⏎`` then races the code picker that ``c`` opens: the
        digits reach the old screen and are lost. So while one key is being
        handled, later keys wait in a queue; each is released once the one
        before it has passed every queue on its way and any screen it opened
        has mounted and taken focus.
        """
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)
            return
        if id(event) in self._released_keys:
            self._released_keys.discard(id(event))
        elif self._key_busy:
            self._key_queue.append(event)
            return
        self._key_busy = True
        screen = self.screen
        target = self.focused or screen
        try:
            await super().on_event(event)
        finally:
            task = asyncio.create_task(self._settle_then_release(target, screen))
            self._key_tasks.add(task)
            task.add_done_callback(self._key_tasks.discard)

    async def _settle_then_release(self, target: object, screen: Screen) -> None:
        try:
            node: object | None = target
            while node is not None:
                await self._barrier(node)
                node = None if node is screen else getattr(node, "parent", None)
            await self._barrier(self)  # the app runs non-priority bindings
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.KEY_SETTLE_TIMEOUT
            while self.screen is not screen and loop.time() < deadline:
                current = self.screen
                if current.is_mounted and (current.focused is not None or not current.focus_chain):
                    break
                await asyncio.sleep(0.002)
        except Exception as error:  # noqa: BLE001 - ordering is best effort; typing must never stop
            self.log.warning(f"key ordering gave up waiting: {error!r}")
        finally:
            if self._key_queue and self.is_running:
                following = self._key_queue.popleft()
                self._released_keys.add(id(following))
                self.post_message(following)
            else:
                self._key_queue.clear()
                self._key_busy = False

    async def _barrier(self, node: object) -> None:
        """Wait until ``node`` has handled everything already in its queue."""
        handled: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def done() -> None:
            if not handled.done():
                handled.set_result(None)

        try:
            if node.call_later(done):  # type: ignore[attr-defined]
                await asyncio.wait_for(handled, self.KEY_SETTLE_TIMEOUT)
        except (TimeoutError, AttributeError):
            pass

    # ------------------------------------------------------------------ start-up
    def on_mount(self) -> None:
        if self.user_keymap:
            self.set_keymap(self.user_keymap)
        if self.keymap_error:
            self.notify(self.keymap_error, title="Keymap ignored", severity="warning", timeout=8)
        if self.coder_name:
            self._set_coder(self.coder_name)
            return
        from codebench.tui.modals.coder import CoderModal

        try:
            known = [c.name for c in self.project.coders() if c.kind == "human"]
        except sqlite3.Error:
            known = []
        self.push_screen(CoderModal(known), self._coder_chosen)

    def _coder_chosen(self, name: str | None) -> None:
        if not name:
            self.exit()
            return
        self._set_coder(name)

    def _set_coder(self, name: str) -> None:
        from codebench.tui.screens.project import ProjectScreen

        try:
            self.coder = self.project.coder(name, create=True)
            if self.project.setting(LAST_CODER) != self.coder.name:
                self.project.set_setting(LAST_CODER, self.coder.name)
        except (CodebenchError, sqlite3.Error) as error:
            self.notify(f"Cannot use coder {name!r}: {error}", severity="error")
            if self.coder is None:
                self.call_later(self.exit)
            return
        self.sub_title = f"{self.project.path.name} · {self.coder.name}"
        self.push_screen(ProjectScreen(self.project, self.coder))
        self._start_team_sync()
        if self.start_transcript:
            self.open_transcript(self.start_transcript)
        if self.welcome:
            self._welcome_once()

    # ------------------------------------------------------------------ team sync
    def _start_team_sync(self) -> None:
        """A team copy syncs now, then every few seconds, in a thread of its own connection.

        The keystroke path never touches the network or waits for the sync:
        what a pull writes reaches the screens through their file watch.
        """
        from codebench.team.background import BackgroundSync, is_team_copy, sync_every

        if self.team_sync is not None or not is_team_copy(self.project):
            return
        self.team_sync = BackgroundSync(self.project.path)
        every = sync_every()
        if every > 0:
            self.set_interval(every, self._team_tick, name="team-sync")
        self._team_tick()

    def _team_tick(self) -> None:
        sync = self.team_sync
        if sync is None or sync.state.syncing or sync.closed:
            return
        sync.begin()
        self.run_worker(
            self._team_run, thread=True, group="team-sync", exit_on_error=False, name="team-sync"
        )

    def _team_run(self) -> None:
        assert self.team_sync is not None
        self.team_sync.run()
        with contextlib.suppress(RuntimeError):  # the app ended meanwhile
            self.call_from_thread(self._team_done)

    def _team_done(self) -> None:
        """On the UI thread: note when the sync ended; an error is notified once, not every tick."""
        self._team_finished_at = monotonic()
        state = self.team_sync.state if self.team_sync else None
        error = state.error if state else ""
        if error and error != self._team_error_shown:
            self.notify(error, title="Sync", severity="error", timeout=8)
        self._team_error_shown = error

    def team_line(self) -> str:
        """The status bar's word on the hub ("synced 12 s ago", "offline — 3 changes waiting");
        empty for a project that is not a team copy."""
        from codebench.team.background import status_line

        return status_line(self.team_sync.state) if self.team_sync is not None else ""

    def team_change_note(self) -> str | None:
        """What to say when a screen finds the file changed: ``None`` if no sync just ended
        (another window or program did it), else what the sync pulled ("" when it only noted
        a push, which changes nothing the coder sees)."""
        if self.team_sync is None or monotonic() - self._team_finished_at > SYNC_CHANGE_WINDOW:
            return None
        return self.team_sync.state.pulled

    async def action_quit(self) -> None:
        """Quit; a team copy first syncs once more, waiting at most :data:`QUIT_SYNC_WAIT` s."""
        sync = self.team_sync
        if sync is not None and not sync.closed:
            await self._last_sync(sync)
        self.exit()

    async def _last_sync(self, sync: BackgroundSync) -> None:
        """The sync on quit, in a daemon thread: a server that does not answer cannot hold
        the quit (or the process's exit) longer than the wait."""
        import threading

        sync.begin()
        for screen in self.screen_stack:
            refresh = getattr(screen, "refresh_team_line", None)
            if refresh is not None:
                refresh()
        thread = threading.Thread(
            target=sync.run, kwargs={"wait": True}, daemon=True, name="codebench-last-sync"
        )
        thread.start()
        deadline = monotonic() + QUIT_SYNC_WAIT
        while thread.is_alive() and monotonic() < deadline:
            await asyncio.sleep(0.05)
        sync.close(timeout=0.5)

    def _welcome_once(self) -> None:
        """The first-run overlay, once per coder and project (a read-only file: every time)."""
        from codebench.tui.screens.welcome import WELCOMED

        assert self.coder is not None
        key = WELCOMED + self.coder.guid
        try:
            if self.project.setting(key):
                return
            self.project.set_setting(key, "1")
        except (CodebenchError, sqlite3.Error):
            pass
        self.action_welcome()

    def action_welcome(self) -> None:
        """Show the "first 60 seconds" overlay (any key closes it)."""
        from codebench.tui.screens.coding import CodingScreen
        from codebench.tui.screens.welcome import WelcomeScreen

        self.push_screen(
            WelcomeScreen(
                self.coder.name if self.coder else "",
                in_transcript=any(isinstance(s, CodingScreen) for s in self.screen_stack),
            )
        )

    @property
    def history(self) -> History:
        """The coder's undo/redo history, shared by every transcript opened this session."""
        if self._history is None:
            from codebench.coding.actions import History

            assert self.coder is not None
            self._history = History.load(self.project, self.coder)
        return self._history

    # ------------------------------------------------------------------ navigation
    def open_transcript(self, ref: str, at: int | None = None) -> None:
        """Open the coding screen on a transcript (by name), at segment ``at`` (an ordinal) if given.

        Problems become notifications.
        """
        from codebench.tui.screens.coding import CodingScreen

        assert self.coder is not None
        try:
            transcript = self.project.transcript(ref)
            screen = CodingScreen(self.project, self.coder, transcript, self.history, at=at)
        except (CodebenchError, sqlite3.Error) as error:
            self.notify(str(error), title="Cannot open transcript", severity="error")
            return
        self.push_screen(screen)

    def action_help(self) -> None:
        from codebench.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
        else:
            self.push_screen(HelpScreen())

    def action_codebook(self) -> None:
        """Open the codebook editor."""
        from codebench.tui.screens.codebook import CodebookScreen

        self._open(CodebookScreen, "Cannot open the codebook")

    def action_review(self) -> None:
        """Open the agreement review: per-code agreement, then adjudication into the consensus."""
        from codebench.tui.screens.review import ReviewScreen

        self._open(ReviewScreen, "Cannot open the review")

    def action_reports(self) -> None:
        """Open the reports screen: frequencies, by attribute, co-occurrence, export."""
        from codebench.tui.screens.reports import ReportsScreen

        self._open(ReportsScreen, "Cannot open the reports")

    def action_memos(self) -> None:
        """Open the memo screen: every memo you may see, filtered, opened where it sits, edited."""
        from codebench.tui.screens.memos import MemoScreen

        self._open(MemoScreen, "Cannot open the memos")

    def action_pseudonymise(self) -> None:
        """Open the pseudonymisation review: decide what each detected name becomes, in the key."""
        from codebench.tui.screens.pseudonyms import PseudonymReviewScreen

        self._open(PseudonymReviewScreen, "Cannot open the pseudonymisation review")

    def action_framework(self) -> None:
        """Open the framework matrix: each case × theme cell, its summary and passages."""
        from codebench.tui.screens.framework import FrameworkScreen

        self._open(FrameworkScreen, "Cannot open the framework matrix")

    def action_search(self) -> None:
        """Open the search screen: text search or coding query, hits in context, coded as a batch."""
        from codebench.tui.screens.search import SearchScreen

        self._open(SearchScreen, "Cannot open the search")

    def _open(self, screen_class: type[Screen[Any]], title: str) -> None:
        """Push ``screen_class(project, coder)`` unless it is already on top; errors become notices."""
        if self.coder is None or isinstance(self.screen, screen_class):
            return
        make = cast("Callable[[Project, Coder], Screen[Any]]", screen_class)
        try:
            screen = make(self.project, self.coder)
        except (CodebenchError, sqlite3.Error) as error:
            self.notify(str(error), title=title, severity="error")
            return
        self.push_screen(screen)

    # ------------------------------------------------------------------ command palette
    # Every palette Textual would open (commands, the theme list, a list of commands) is the
    # workbench's, whose page keys are guarded (see tui/modals/command_palette.py).
    def action_command_palette(self) -> None:
        """Open the command palette."""
        from codebench.tui.modals.command_palette import CommandPaletteModal

        if self.use_command_palette and not any(
            isinstance(screen, CommandPalette) for screen in self.screen_stack
        ):
            # No fixed id (Textual gives it one): a palette that was just closed may still be
            # unmounting when ctrl+p opens the next, and two equal ids crash the app.
            self.push_screen(CommandPaletteModal())

    def search_themes(self) -> None:
        """The palette's "Theme" command: a palette of the themes."""
        from textual.theme import ThemeProvider

        from codebench.tui.modals.command_palette import CommandPaletteModal

        self.push_screen(
            CommandPaletteModal(providers=[ThemeProvider], placeholder="Search for themes…")
        )

    def search_commands(
        self, commands: Sequence[CommandListItem], placeholder: str = "Search for commands…"
    ) -> AwaitMount:
        """A palette of the given commands."""
        from codebench.tui.modals.command_palette import CommandPaletteModal

        # An instance where the annotation says a class: Textual's own search_commands does this.
        provider: Any = SimpleProvider(self.screen, list(commands))
        return self.push_screen(CommandPaletteModal(providers=[provider], placeholder=placeholder))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action bound on the current screen, by its description, plus Textual's own."""
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not active.enabled or not binding.description or binding.action in seen:
                continue
            if binding.action in ("command_palette", "app.command_palette"):
                continue
            seen.add(binding.action)
            yield SystemCommand(
                binding.description,
                f"key {self.get_key_display(binding)}",
                partial(self.run_action, binding.action, active.node),
            )
        yield from super().get_system_commands(screen)


def make_app(
    project: Project, coder: str | None = None, transcript: str | None = None
) -> CodebenchApp:
    """Build the workbench for ``project``.

    The coder is ``coder``, else ``$CODEBENCH_CODER``, else the last coder
    who used this project's workbench, else asked on the first screen.
    """
    from codebench.tui.keymap import load_keymap

    name = coder or os.environ.get("CODEBENCH_CODER") or None
    if not name:
        try:
            name = project.setting(LAST_CODER)
        except sqlite3.Error:
            name = None
    keymap: dict[str, str] = {}
    error: str | None = None
    try:
        keymap = load_keymap()
    except CodebenchError as problem:
        error = str(problem)
    return CodebenchApp(
        project, coder=name, transcript=transcript, keymap=keymap, keymap_error=error
    )
