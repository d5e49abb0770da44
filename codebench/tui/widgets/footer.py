"""Textual's key footer, rebuilt only when what it shows changes.

:class:`textual.widgets.Footer` removes and re-mounts every key on each
"bindings updated" signal. Opening the coding screen sends four of them
(mount, focus, screen resume, …) and word mode sends one per keystroke,
although the keys shown rarely change; each rebuild costs tens of
milliseconds of styling. This footer coalesces the signals of one refresh
into a single check and rebuilds only if the keys it would show differ from
those it shows.

It also puts the keys a coder cannot do without first: the footer is cut
off at the right on a narrow terminal, and Textual lists the focused
widget's keys before the screen's and the app's, so at 80 columns ``?``,
``D`` and ``q`` were the ones lost. ``first`` names those keys by binding id,
in the order shown; the other keys follow in Textual's order.

A screen may also show keys that are hidden elsewhere (``also``: the app's
F-keys on the project screen, where a coder looks for what else there is)
under a shorter name (``labels``, by binding id), so they fit at 80 columns,
and stand one key for a family of keys (``keys``: ``1-9`` for "accept coder
N", ``j/k`` for next and previous) so the family takes one place.

Keys that do not fit the footer's width are left out whole, from the end
(they all still work, and ``?`` lists every one): a key is never shown cut
in half, at 80 columns or in a narrow dialog. The width is part of what the
footer compares, so a resized terminal shows as many keys as fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual import events
    from textual.app import ComposeResult
    from textual.binding import Binding
    from textual.screen import Screen


#: Shorter names of the app-wide keys, on every footer (the help screen has the long ones).
SHORT_LABELS = {"app.review": "Review"}


class BindingsFooter(Footer):
    """A :class:`~textual.widgets.Footer` that skips rebuilds which would change nothing."""

    def __init__(
        self,
        *args: Any,
        first: Sequence[str] = (),
        also: Sequence[str] = (),
        labels: dict[str, str] | None = None,
        keys: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._check_pending = False
        self._shown: object = None
        #: Binding ids shown before every other key, in this order.
        self.first = tuple(first)
        #: Binding ids shown although their binding says not to show them.
        self.also = frozenset(also)
        #: Shorter descriptions, by binding id, for this footer only.
        self.labels = {**SHORT_LABELS, **(labels or {})}
        #: What the key reads as, by binding id (``1-9``), for this footer only.
        self.keys = dict(keys or {})

    def _shows(self, binding: Binding) -> bool:
        return binding.show or (binding.id or "") in self.also

    def _label(self, binding: Binding) -> str:
        return self.labels.get(binding.id or "", binding.description)

    def _key(self, binding: Binding) -> str:
        return self.keys.get(binding.id or "") or self.app.get_key_display(binding)

    def shown_bindings(self) -> list[tuple[Binding, bool, str]]:
        """The keys the footer shows, in order: one per action, :attr:`first` ahead."""
        by_action: dict[str, tuple[Binding, bool, str]] = {}
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if self._shows(binding) and binding.action not in by_action:
                by_action[binding.action] = (binding, enabled, tooltip)
        rank = {binding_id: place for place, binding_id in enumerate(self.first)}
        keys = list(by_action.values())
        return sorted(keys, key=lambda key: rank.get(key[0].id or "", len(rank)))

    def _width(self, binding: Binding, palette: bool = False) -> int:
        """Cells the key takes in the footer (key, description, their padding and margin)."""
        key = cell_len(self.app.get_key_display(binding) if palette else self._key(binding))
        label = binding.description if palette else self._label(binding)
        width = key + cell_len(label) + (2 if self.compact else 3)
        return width + 1 if palette else width  # the palette key has a border at its left

    def _room(self) -> int:
        """The footer's width (the terminal's until it is laid out; a resize composes again)."""
        return self.size.width or self.app.size.width

    def fitted_bindings(self) -> list[tuple[Binding, bool, str]]:
        """:meth:`shown_bindings` that fit the footer's width, in order (the rest left out whole)."""
        room = self._room()
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            palette = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
            if palette is not None:
                room -= self._width(palette[1], palette=True)
        fitted = []
        for key in self.shown_bindings():
            room -= self._width(key[0])
            if room < 0:
                break
            fitted.append(key)
        return fitted

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready and self._signature() != self._shown:
            self.call_after_refresh(self._recompose_if_changed)

    def _signature(self) -> object:
        """Everything :meth:`Footer.compose` reads, as one comparable value."""
        app = self.app
        keys = tuple(
            (
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                enabled,
                tooltip,
                binding.group,
            )
            for (_node, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if self._shows(binding)
        )
        palette = self.screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
        palette_key = None
        if palette is not None:
            _node, binding, enabled, tooltip = palette
            palette_key = (
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                enabled,
                tooltip,
                binding.tooltip,
            )
        return (
            keys,
            palette_key,
            self.show_command_palette,
            app.ENABLE_COMMAND_PALETTE,
            self.compact,
            self.combine_groups,
            self._room(),
        )

    def compose(self) -> ComposeResult:
        self._shown = self._signature() if self._bindings_ready else None
        if not self._bindings_ready:
            return
        fitted = self.fitted_bindings()
        self.styles.grid_size_columns = len(fitted)
        for binding, enabled, tooltip in fitted:
            yield FooterKey(
                binding.key,
                self._key(binding),
                self._label(binding),
                binding.action,
                disabled=not enabled,
                tooltip=tooltip or binding.description,
            ).data_bind(compact=Footer.compact)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            palette = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
            if palette is not None:
                _node, binding, enabled, _tooltip = palette
                yield FooterKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    classes="-command-palette",
                    disabled=not enabled,
                    tooltip=binding.tooltip or binding.description,
                )

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._check_pending:
            self._check_pending = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._check_pending = False
        if self.is_attached and self._signature() != self._shown:
            await self.recompose()
