"""The transcript as one virtualised widget (Textual's Line API).

A transcript may hold thousands of segments; one widget per segment takes
seconds to mount. :class:`TranscriptView` instead keeps a line index (which
segment, which wrapped line, built once per width) and draws only the lines
in view in :meth:`render_line`. A coding change redraws only the lines of
the segments it touched.

Each text line is: a selection bar, the ordinal (first line), a memo mark,
the coding stripe (code numbers as coloured chips, continued over the
segment's lines) and the wrapped text. Speaker changes get a header line.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment as RichSegment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.events import Click, Resize
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from codebench.safety import visible_controls as _v
from codebench.tui.widgets.wrap import word_bounds, wrap_offsets

if TYPE_CHECKING:
    from codebench.coding.session import CodingSession

STRIPE_WIDTH = 14
MEMO_MARK = "✎"
BAR = "▌"

# Character flags used while styling a line of text.
_MATCH, _VISUAL, _PARTIAL = 1, 2, 4


def _contrast(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (``#RRGGBB``)."""
    try:
        red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    except (ValueError, IndexError):
        return "black"
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 140 else "white"


def _shown(text: str) -> str:
    """Text as drawn: newline and tab one blank cell each, controls made visible one for one.

    Wrapping measures this same text, so the offsets of a wrapped line are
    valid in the segment's text and its cells fit the line.
    """
    return _v(text.replace("\n", " ").replace("\t", " "))


def component_style(declared: Style, resolved: Style, *, color: bool, background: bool) -> Style:
    """What a component class declares, in the colours it shows, ready to add to a line.

    Textual's partial style (only what the class declares) loses the alpha of
    a translucent colour (``$accent 25%`` came out as solid accent behind
    light text, about 1.5:1), and its full style also fills in what the class
    leaves to its surroundings (a background under an underline). So: the
    attributes the class declares, and for each colour it declares (``color``,
    ``background``: the class has that rule, ``auto`` included) the colour as
    resolved (blended over the widget's background). A class that declares
    ``reverse`` has its colours swapped here, so the terminal's reverse video
    shows them as declared, and without colour (``NO_COLOR``) it is still
    reverse video.
    """
    fore = resolved.color if color else None
    back = resolved.bgcolor if background else None
    if declared.reverse:
        fore, back = back, fore
    return declared.without_color + Style(color=fore, bgcolor=back)


class TranscriptView(ScrollView, can_focus=True):
    """Segments of one transcript with a cursor, a selected range and a visual (word) span."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Next", show=False, id="transcript.down"),
        Binding("k,up", "cursor_up", "Previous", show=False, id="transcript.up"),
        Binding(
            "J,shift+down",
            "extend_down",
            "Extend selection down",
            show=False,
            id="transcript.extend_down",
        ),
        Binding(
            "K,shift+up", "extend_up", "Extend selection up", show=False, id="transcript.extend_up"
        ),
        Binding("pagedown,ctrl+d", "page_down", "Page down", show=False, id="transcript.page_down"),
        Binding("pageup,ctrl+u", "page_up", "Page up", show=False, id="transcript.page_up"),
        Binding("home", "first", "First segment", show=False, id="transcript.first"),
        Binding("end,G", "last", "Last segment", show=False, id="transcript.last"),
        Binding("v", "visual", "Select words", id="transcript.visual"),
        Binding("l,w", "visual_end(1)", "Span end →", id="transcript.visual_end_next"),
        Binding("h,b", "visual_end(-1)", "Span end ←", id="transcript.visual_end_prev"),
        Binding("L,W", "visual_start(1)", "Span start →", id="transcript.visual_start_next"),
        Binding("H,B", "visual_start(-1)", "Span start ←", id="transcript.visual_start_prev"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "transcript--cursor",
        "transcript--selected",
        "transcript--bar",
        "transcript--speaker",
        "transcript--muted",
        "transcript--ordinal",
        "transcript--match",
        "transcript--visual",
        "transcript--memo",
        "transcript--partial",
    }

    class CursorMoved(Message):
        """The cursor or the selection changed."""

        def __init__(self, view: TranscriptView, *, left_words: bool = False) -> None:
            super().__init__()
            self.view = view
            #: The move ended word mode (its words were not coded).
            self.left_words = left_words

    def __init__(self, session: CodingSession, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session = session
        self.cursor = 0
        #: The other end of the selected range (the cursor is one end).
        self.selection_anchor = 0
        #: Word indexes (first, last) of the visual span in the cursor segment, or ``None``.
        self.visual: tuple[int, int] | None = None
        #: Search text to highlight.
        self.search_text = ""
        #: Coder id → the mark of their codings while others' are shown (see coding/prefixes.py).
        self.coder_marks: dict[int, str] = {}
        self._layout_width = -1
        self._wraps: list[list[tuple[int, int]]] = []
        self._tops: list[int] = []
        self._headers: list[int] = []
        self._stripes: dict[int, list[list[tuple[str, Style]]]] = {}
        self._styles: dict[str, Style] = {}
        self._base_style: Style | None = None
        self._words: list[tuple[int, int]] = []
        first = session.next_uncoded(-1, 1)
        if first is not None:
            self.cursor = self.selection_anchor = first

    # ------------------------------------------------------------------ layout
    @property
    def selection(self) -> range:
        """Indexes of the selected segments (the cursor's, or a range)."""
        return range(
            min(self.cursor, self.selection_anchor), max(self.cursor, self.selection_anchor) + 1
        )

    def _prefix_width(self) -> int:
        return 1 + self._ordinal_width() + 1 + STRIPE_WIDTH + 1

    def _ordinal_width(self) -> int:
        return len(str(max(len(self.session.segments) - 1, 0))) + 1

    def _view_width(self) -> int:
        """Columns the lines are drawn in: the content width less the scrollbar's gutter.

        ``size`` includes the vertical scrollbar's columns; a line as wide as
        ``size`` loses its last characters under the scrollbar.
        """
        return max(self.size.width - self.scrollbar_size_vertical, 0)

    def _text_width(self) -> int:
        return max(10, self._view_width() - self._prefix_width() - 1)

    def relayout(self) -> None:
        """Wrap every segment for the current width and rebuild the line index."""
        width = self._text_width()
        segments = self.session.segments
        wraps: list[list[tuple[int, int]]] = []
        tops: list[int] = []
        headers: list[int] = []
        line = 0
        previous_speaker: object = object()
        previous_turn = -1
        for seg in segments:
            header = 0
            if seg.speaker != previous_speaker or seg.turn != previous_turn:
                header = 2 if line else 1
            previous_speaker, previous_turn = seg.speaker, seg.turn
            wrapped = wrap_offsets(_shown(seg.text), width)
            tops.append(line)
            headers.append(header)
            wraps.append(wrapped)
            line += header + len(wrapped)
        self._wraps, self._tops, self._headers = wraps, tops, headers
        self._layout_width = self._view_width()
        self._stripes.clear()
        self.virtual_size = Size(self._layout_width, line)

    def on_resize(self, event: Resize) -> None:
        if self._view_width() != self._layout_width:
            self.relayout()
            self.scroll_to_cursor()

    def on_mount(self) -> None:
        if self.size.width:
            self.relayout()

    def segment_at_line(self, line: int) -> int:
        """The segment drawn on virtual line ``line``."""
        return max(0, bisect_right(self._tops, line) - 1)

    def segment_lines(self, index: int) -> tuple[int, int]:
        """(first virtual line including the speaker header, number of lines)."""
        return self._tops[index], self._headers[index] + len(self._wraps[index])

    # ------------------------------------------------------------------ styles
    def notify_style_update(self) -> None:
        self._styles.clear()
        self._stripes.clear()
        super().notify_style_update()

    def _style(self, name: str) -> Style:
        """A component class's style as drawn: see :func:`component_style`."""
        style = self._styles.get(name)
        if style is None:
            rules = self.get_component_styles(name)
            style = self._styles[name] = component_style(
                self.get_component_rich_style(name, partial=True),
                self.get_component_rich_style(name),
                color=rules.has_rule("color") or rules.auto_color,
                background=rules.has_rule("background"),
            )
        return style

    # ------------------------------------------------------------------ rendering
    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's base style walks the DOM for inherited colours; work it
        # out once per paint rather than once (or twice) per line.
        self._base_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._base_style = None

    @property
    def _base(self) -> Style:
        base = self._base_style
        return base if base is not None else self.rich_style

    def render_line(self, y: int) -> Strip:
        width = self._view_width()
        if not self._tops or width != self._layout_width:
            return Strip.blank(width, self._base)
        line = y + int(self.scroll_y)
        if line >= self.virtual_size.height:
            return Strip.blank(width, self._base)
        index = self.segment_at_line(line)
        offset = line - self._tops[index]
        header = self._headers[index]
        if offset < header:
            if offset == header - 1:
                return self._render_header(index, width)
            return Strip.blank(width, self._base)
        return self._render_text_line(index, offset - header, width)

    def _render_header(self, index: int, width: int) -> Strip:
        seg = self.session.segments[index]
        base = self._base
        style = base + self._style("transcript--speaker")
        if not seg.codable:
            style += self._style("transcript--muted")
        name = seg.speaker or "—"
        if seg.timestamp is not None:
            minutes, seconds = divmod(int(seg.timestamp), 60)
            name += f"  {minutes // 60:02d}:{minutes % 60:02d}:{seconds:02d}"
        pad = " " * (self._prefix_width())
        return Strip([RichSegment(pad, base), RichSegment(_v(name), style)]).adjust_cell_length(
            width, base
        )

    def _render_text_line(self, index: int, row: int, width: int) -> Strip:
        session = self.session
        seg = session.segments[index]
        base = self._base
        selected = index in self.selection
        if index == self.cursor:
            base += self._style("transcript--cursor")
        elif selected:
            base += self._style("transcript--selected")
        text_style = base + self._style("transcript--muted") if not seg.codable else base
        parts: list[RichSegment] = []
        parts.append(RichSegment(BAR if selected else " ", base + self._style("transcript--bar")))
        ordinal_width = self._ordinal_width()
        ordinal = f"{seg.ordinal:>{ordinal_width - 1}} " if row == 0 else " " * ordinal_width
        parts.append(RichSegment(ordinal, base + self._style("transcript--ordinal")))
        memo = index in session.memo_marks and row == 0
        parts.append(
            RichSegment(MEMO_MARK if memo else " ", base + self._style("transcript--memo"))
        )
        used = 0
        stripe = self._stripe(index)
        if row < len(stripe):
            for text, chip_style in stripe[row]:
                parts.append(RichSegment(_v(text), base + chip_style))
                used += len(text)
        parts.append(RichSegment(" " * (STRIPE_WIDTH - used + 1), base))
        start, end = self._wraps[index][row]
        # Controls made visible one for one (offsets stay valid); a tab is one blank cell.
        line_text = _shown(seg.text[start:end])
        parts.extend(self._styled_text(index, line_text, start, text_style))
        return Strip(parts).adjust_cell_length(width, base)

    def _styled_text(self, index: int, text: str, offset: int, style: Style) -> list[RichSegment]:
        """The text of one line with search matches, partial codings and the visual span marked."""
        session = self.session
        seg = session.segments[index]
        flags = [0] * len(text)
        marked = False
        if self.search_text:
            folded = text.casefold()
            needle = self.search_text.casefold()
            found = folded.find(needle)
            while found >= 0 and len(folded) == len(text):
                for i in range(found, min(found + len(needle), len(text))):
                    flags[i] |= _MATCH
                marked = True
                found = folded.find(needle, found + 1)
        for spans in session.own[index].values():
            for start, end in spans:
                if start > seg.start or end < seg.end:
                    low = max(start - seg.start - offset, 0)
                    high = min(end - seg.start - offset, len(text))
                    for i in range(low, high):
                        flags[i] |= _PARTIAL
                        marked = True
        if self.visual is not None and index == self.cursor:
            low_char, high_char = self.visual_chars()
            low = max(low_char - seg.start - offset, 0)
            high = min(high_char - seg.start - offset, len(text))
            for i in range(low, high):
                flags[i] |= _VISUAL
                marked = True
        if not marked:
            return [RichSegment(text, style)]
        out: list[RichSegment] = []
        run_start = 0
        for i in range(1, len(text) + 1):
            if i == len(text) or flags[i] != flags[run_start]:
                flag = flags[run_start]
                run_style = style
                if flag & _PARTIAL:
                    run_style += self._style("transcript--partial")
                if flag & _MATCH:
                    run_style += self._style("transcript--match")
                if flag & _VISUAL:
                    run_style += self._style("transcript--visual")
                out.append(RichSegment(text[run_start:i], run_style))
                run_start = i
        return out

    def _stripe(self, index: int) -> list[list[tuple[str, Style]]]:
        """The segment's code chips laid out over its lines (cached until it changes)."""
        cached = self._stripes.get(index)
        if cached is not None:
            return cached
        session = self.session
        seg = session.segments[index]
        chips: list[tuple[str, Style]] = []
        for code in session.codes_on([index]):
            colour = session.colour(code.id) or "#888888"
            label = code.number or code.name[:6]
            spans = session.own[index][code.id]
            if any(start <= seg.start and end >= seg.end for start, end in spans):
                chips.append((label, Style(bgcolor=colour, color=_contrast(colour), bold=True)))
            else:
                chips.append(("~" + label, Style(color=colour, bold=True)))
        if session.others is not None:
            for other in session.others[index]:
                theirs = session.code_by_id.get(other.code_id)
                if theirs is None:
                    continue
                colour = session.colour(theirs.id) or "#888888"
                mark = self.coder_marks.get(other.coder_id, "?")
                label = f"{mark}:{theirs.number or theirs.name[:4]}{'' if other.whole else '~'}"
                chips.append((label, Style(color=colour, italic=True)))
        lines: list[list[tuple[str, Style]]] = []
        capacity = len(self._wraps[index]) if self._wraps else 1
        current: list[tuple[str, Style]] = []
        used = 0
        for position, (label, style) in enumerate(chips):
            need = len(label) + (1 if current else 0)
            if used + need > STRIPE_WIDTH:
                lines.append(current)
                current, used = [], 0
                need = len(label)
            if len(lines) == capacity - 1:
                rest = len(chips) - position
                if rest > 1 and used + need + 3 > STRIPE_WIDTH:
                    more = f"+{rest}"
                    current.append(
                        ((" " if current else "") + more, self._style("transcript--ordinal"))
                    )
                    break
            if current:
                current.append((" ", Style()))
            current.append((label, style))
            used += need
        if current:
            lines.append(current)
        self._stripes[index] = lines[:capacity]
        return self._stripes[index]

    # ------------------------------------------------------------------ refreshing
    def refresh_segments(self, indexes: set[int] | range | list[int]) -> None:
        """Redraw the lines of these segments (after their codings or memos changed)."""
        for index in indexes:
            if 0 <= index < len(self._tops):
                self._stripes.pop(index, None)
                top, count = self.segment_lines(index)
                self.refresh_lines(top, count)

    def refresh_all(self) -> None:
        self._stripes.clear()
        self.refresh()

    def scroll_to_cursor(self) -> None:
        if not self._tops:
            return
        top, count = self.segment_lines(self.cursor)
        height = min(count, max(self.size.height, 1))
        self.scroll_to_region(Region(0, top, 1, height), animate=False, immediate=True)

    # ------------------------------------------------------------------ moving
    def move_to(self, index: int, *, extend: bool = False) -> None:
        """Put the cursor on segment ``index`` (keeping the anchor when extending)."""
        count = len(self.session.segments)
        if not count:
            return
        index = max(0, min(count - 1, index))
        before = set(self.selection) | {self.cursor}
        self.cursor = index
        if not extend:
            self.selection_anchor = index
        left_words = self.visual is not None
        if left_words:
            self.visual = None
            self.refresh_bindings()
        after = set(self.selection) | {self.cursor}
        self.refresh_segments(before | after if len(before) + len(after) < 200 else set())
        if len(before) + len(after) >= 200:
            self.refresh_all()
        self.scroll_to_cursor()
        self.post_message(self.CursorMoved(self, left_words=left_words))

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_extend_down(self) -> None:
        self.move_to(self.cursor + 1, extend=True)

    def action_extend_up(self) -> None:
        self.move_to(self.cursor - 1, extend=True)

    def action_page_down(self) -> None:
        target = (
            self.segment_at_line(self._tops[self.cursor] + max(self.size.height - 2, 1))
            if self._tops
            else 0
        )
        self.move_to(max(target, self.cursor + 1))

    def action_page_up(self) -> None:
        target = (
            self.segment_at_line(max(self._tops[self.cursor] - max(self.size.height - 2, 1), 0))
            if self._tops
            else 0
        )
        self.move_to(min(target, self.cursor - 1))

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self.session.segments) - 1)

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self._tops:
            return
        line = offset.y + int(self.scroll_y)
        if line >= self.virtual_size.height:
            return
        self.focus()
        self.move_to(self.segment_at_line(line), extend=event.shift)

    # ------------------------------------------------------------------ visual (word) span
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action.startswith("visual_"):
            return self.visual is not None
        return True

    def action_visual(self) -> None:
        """Enter (or leave) word selection in the cursor segment."""
        if self.visual is not None:
            self.exit_visual()
            return
        seg = self.session.segments[self.cursor]
        self._words = word_bounds(seg.text)
        if not self._words:
            return
        self.selection_anchor = self.cursor
        self.visual = (0, 0)
        self._visual_changed()

    def exit_visual(self) -> None:
        if self.visual is not None:
            self.visual = None
            self._visual_changed()

    def action_visual_end(self, step: int) -> None:
        if self.visual is None:
            return
        first, last = self.visual
        self.visual = (first, max(first, min(len(self._words) - 1, last + step)))
        self._visual_changed()

    def action_visual_start(self, step: int) -> None:
        if self.visual is None:
            return
        first, last = self.visual
        first = max(0, min(len(self._words) - 1, first + step))
        self.visual = (first, max(first, last))
        self._visual_changed()

    def visual_chars(self) -> tuple[int, int]:
        """The visual span as transcript character offsets."""
        assert self.visual is not None
        seg = self.session.segments[self.cursor]
        first, last = self.visual
        return seg.start + self._words[first][0], seg.start + self._words[last][1]

    def _visual_changed(self) -> None:
        self.refresh_segments({self.cursor})
        self.refresh_bindings()
        self.post_message(self.CursorMoved(self))
