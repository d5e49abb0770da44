"""The ``?`` screen: every binding (as remapped by the user's keymap) and what the marks mean."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

QUICK_START = """\
[b]Coding a transcript[/b]
  1. [b]j[/b]/[b]k[/b] (or ↓/↑) move between segments; [b]shift+↓[/b]/[b]shift+↑[/b] select several.
  2. [b]c[/b] (or Enter) opens the code picker: type a number ([i]04[/i], [i]13.2[/i]) or part of a name ([i]innov[/i]), Enter applies.
     Tab marks several codes at once. [b].[/b] applies the last codes again.
  3. [b]x[/b] removes a code, [b]u[/b] undoes, [b]ctrl+r[/b] redoes. Everything is saved as you go.
  4. [b]][/b] jumps to the next segment you have not coded yet. [b]D[/b] marks the transcript done.
  To code only some words: [b]v[/b], then [b]l[/b]/[b]h[/b] move the end, [b]L[/b]/[b]H[/b] move the start, [b]c[/b] codes the words.
  [b]s[/b] shows or hides the codebook (it folds away below 100 columns), [b]d[/b] its definitions.
  Click a segment to select it; click a code in the codebook to apply it. [b]ctrl+p[/b] lists every command.
"""

LEGEND = """\
[b]Marks in the transcript[/b]
  [reverse] 04 [/]  a code on the whole segment (its colour)     [b]~04[/b]  a code on some words (underlined in the text)
  [i]b:04[/i]  another coder's code (only when others' codings are shown: [b]o[/b]; the frame lists whose each mark is, [i]=:[/i] the consensus)
  the cursor row is bold · words being selected (v) in reverse · a search match in italics · words of a partial coding underlined
  ✎  a memo on the segment or on one of its codings      ▌  selected segments       grey text: interviewer (not codable)
"""


def binding_groups(app_bindings: Iterable[BindingType]) -> list[tuple[str, list[BindingType]]]:
    """Where bindings live, in the order the help screen lists them.

    The app's own bindings are passed in (the app opens this screen, so the
    screen does not import the app).
    """
    from codebench.tui.modals.autocode_review import AutocodeReviewModal
    from codebench.tui.modals.code_picker import CodePickerModal
    from codebench.tui.modals.memo import MemoModal
    from codebench.tui.modals.passages import PassagesModal
    from codebench.tui.modals.reason import ReasonModal
    from codebench.tui.modals.scope import ScopeModal
    from codebench.tui.screens.codebook import CodebookScreen
    from codebench.tui.screens.coding import CodingScreen
    from codebench.tui.screens.framework import FrameworkScreen
    from codebench.tui.screens.memos import MemoScreen
    from codebench.tui.screens.project import ProjectScreen
    from codebench.tui.screens.pseudonyms import PseudonymReviewScreen
    from codebench.tui.screens.reports import ReportsScreen
    from codebench.tui.screens.review import ReviewScreen
    from codebench.tui.screens.search import SearchScreen
    from codebench.tui.widgets.codebook_tree import CodebookTree
    from codebench.tui.widgets.lists import NavDataTable
    from codebench.tui.widgets.transcript_view import TranscriptView

    return [
        ("Coding screen", list(CodingScreen.BINDINGS)),
        (
            "Moving and selecting in the transcript",
            [b for b in TranscriptView.BINDINGS if "visual_" not in _action(b)],
        ),
        (
            "Coding some words (after v)",
            [b for b in TranscriptView.BINDINGS if "visual_" in _action(b)],
        ),
        ("Codebook tree (tab to focus it)", list(CodebookTree.BINDINGS)),
        ("Code picker", list(CodePickerModal.BINDINGS)),
        ("Memo", list(MemoModal.BINDINGS)),
        ("Transcripts (project screen)", list(ProjectScreen.BINDINGS)),
        ("Codebook editor (F2)", list(CodebookScreen.BINDINGS)),
        ("Reports (F4)", list(ReportsScreen.BINDINGS)),
        ("Memo screen (F5)", list(MemoScreen.BINDINGS)),
        ("Pseudonymisation review (F6)", list(PseudonymReviewScreen.BINDINGS)),
        ("Framework matrix (F7)", list(FrameworkScreen.BINDINGS)),
        ("Search and query screen (F8)", list(SearchScreen.BINDINGS)),
        ("Scope of a search or query (w on the search screen)", list(ScopeModal.BINDINGS)),
        ("Passages behind a number (Enter on a count or a cell)", list(PassagesModal.BINDINGS)),
        ("Reviewing a batch to code (c on the search screen)", list(AutocodeReviewModal.BINDINGS)),
        ("Review screen (F3: agreement and adjudication)", list(ReviewScreen.BINDINGS)),
        ("Reason prompt (review screen)", list(ReasonModal.BINDINGS)),
        ("Every list and table (when it has focus)", list(NavDataTable.BINDINGS)),
        ("Help (this screen)", list(HelpScreen.BINDINGS)),
        ("Everywhere", list(app_bindings)),
    ]


def _action(binding: BindingType) -> str:
    return binding.action if isinstance(binding, Binding) else binding[1]


def _as_binding(binding: BindingType) -> Binding:
    if isinstance(binding, Binding):
        return binding
    key, action, *rest = binding
    return Binding(key, action, rest[0] if rest else "")


def effective_keys(binding: Binding, keymap: dict[str, str]) -> list[str]:
    """The keys a binding answers to, after the user's keymap."""
    keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
    return [k.strip() for k in keys.split(",") if k.strip()]


class HelpScreen(ModalScreen[None]):
    """Every binding of the workbench, grouped by where it applies."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="help.close"),
        Binding("w", "app.welcome", "The first 60 seconds (quick start)", id="help.welcome"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(
                Text.from_markup(
                    "[b]codebench — keys[/b]   (esc closes, [b]w[/b] the first 60 seconds)"
                ),
                id="help-title",
            )
            yield Static(Text.from_markup(QUICK_START))
            yield Static(self._tables())
            yield Static(Text.from_markup(LEGEND))
            yield Static(
                Text.from_markup(
                    "[dim]Remap keys in ~/.config/codebench/keymap.toml (or $CODEBENCH_CONFIG) with lines like\n"
                    '  "coding.undo" = "z"   — the ids are in the right-hand column.[/]'
                )
            )

    def _tables(self) -> Group:
        keymap: dict[str, str] = dict(getattr(self.app, "_keymap", {}))
        tables: list[Table | Text] = []
        for title, bindings in binding_groups(self.app.BINDINGS):
            table = Table(
                title=title,
                title_justify="left",
                title_style="bold",
                box=None,
                padding=(0, 2),
                expand=False,
            )
            table.add_column("keys", style="bold", min_width=18)
            table.add_column("action", min_width=34)
            table.add_column("id", style="dim")
            for binding in self._unique(bindings):
                keys = effective_keys(binding, keymap)
                shown = ", ".join(self.app.get_key_display(binding.with_key(k)) for k in keys)
                table.add_row(shown, binding.description or binding.action, binding.id or "")
            tables.append(table)
            tables.append(Text(""))
        return Group(*tables)

    @staticmethod
    def _unique(bindings: Iterable[BindingType]) -> list[Binding]:
        seen: dict[str, Binding] = {}
        for raw in bindings:
            binding = _as_binding(raw)
            key = binding.id or f"{binding.action}:{binding.key}"
            if key in seen:
                merged = seen[key]
                seen[key] = merged.with_key(f"{merged.key},{binding.key}")
            else:
                seen[key] = binding
        return list(seen.values())

    def action_close(self) -> None:
        self.dismiss(None)
