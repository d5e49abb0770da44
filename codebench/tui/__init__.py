"""The coding workbench: a keyboard-first Textual UI over the headless core.

Only :mod:`codebench.cli.tui_cmd` imports this package, so Textual loads
only when the workbench opens. Entry point: :func:`codebench.tui.app.make_app`.
"""
