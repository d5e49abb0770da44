"""Undo and redo from the command line: the workbench's ``u``/``U`` for scripted work.

A batch coded by ``autocode --apply`` or ``query --code-as --apply`` is one
logged action of its coder; ``codebench undo --coder NAME`` reverts that
coder's most recent action (whatever it was: a batch, a memo, a summary),
through the same library call as the workbench's undo
(:func:`codebench.coding.history.undo`), so the two share one history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from codebench.cli.context import Context, handle_errors, pass_ctx
from codebench.cli.output import say
from codebench.errors import CodebenchError
from codebench.safety import one_line

F = TypeVar("F", bound=Callable[..., Any])


def _step(ctx: Context, coder: str, *, backwards: bool) -> None:
    """Undo (or redo) ``coder``'s last action and say which, in one line."""
    from codebench.coding.history import describe, redo, undo

    verb = "undo" if backwards else "redo"
    with ctx.open() as project:
        who = project.coder(coder)
        event = (undo if backwards else redo)(project, who)
        if event is None:
            raise CodebenchError(f"{who.name} has nothing to {verb}")
        where = ""
        if event.transcript_id is not None:
            where = f" in {project.transcript(event.transcript_id).name}"
    done = "undid" if backwards else "redid"
    say(one_line(f"{done} {describe(event)}{where} ({who.name}'s action of {event.at[:19]})"))


def _coder_option(func: F) -> F:
    """``--coder``: a coder the project knows (an unknown name has no history to step)."""
    return click.option(
        "--coder",
        envvar="CODEBENCH_CODER",
        required=True,
        help="Whose action (or set CODEBENCH_CODER); another coder's actions are never undone.",
    )(func)


@click.command(name="undo")
@_coder_option
@pass_ctx
@handle_errors
def undo_command(ctx: Context, coder: str) -> None:
    """Undo the coder's most recent action not yet undone (a batch is one action).

    The same history as the workbench's u: an auto-code batch, a coding, a
    memo, a status, a codebook edit, a text fix or a framework summary.
    Nothing to undo: one line, exit status 1.

    \b
    Examples:
      codebench autocode pension --code 17 --coder alice --apply
      codebench undo --coder alice
    """
    _step(ctx, coder, backwards=True)


@click.command(name="redo")
@_coder_option
@pass_ctx
@handle_errors
def redo_command(ctx: Context, coder: str) -> None:
    """Replay the coder's most recently undone action.

    \b
    Example:
      codebench redo --coder alice
    """
    _step(ctx, coder, backwards=False)


COMMANDS = [undo_command, redo_command]
