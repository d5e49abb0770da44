"""Textual's key footer, rebuilt only when what it shows changes.

:class:`textual.widgets.Footer` removes and re-mounts every key on each
"bindings updated" signal. Opening the coding screen sends four of them
(mount, focus, screen resume, …) and word mode sends one per keystroke,
although the keys shown rarely change; each rebuild costs tens of
milliseconds of styling. This footer coalesces the signals of one refresh
into a single check and rebuilds only if the keys it would show differ from
those it shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen


class BindingsFooter(Footer):
    """A :class:`~textual.widgets.Footer` that skips rebuilds which would change nothing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._check_pending = False
        self._shown: object = None

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
            if binding.show
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
        )

    def compose(self) -> ComposeResult:
        self._shown = self._signature() if self._bindings_ready else None
        yield from super().compose()

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
