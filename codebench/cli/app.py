"""The root command group: the global ``-p`` option, safe error printing, and the commands.

What the commands share (the project in play, options, error handling) is in
:mod:`codebench.cli.context`, so the command modules never import this one.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from codebench import __version__
from codebench.cli.context import Context, handle_errors
from codebench.errors import CodebenchError
from codebench.safety import one_line


@contextmanager
def _printable_errors() -> Iterator[None]:
    """Make every error message safe to print: one line, no control characters.

    A message quotes what the user typed or what a file held (a file name,
    a code name, an option); an escape sequence in it would otherwise reach
    the terminal, and a newline would start a made-up second line.
    """
    try:
        yield
    except click.exceptions.NoArgsIsHelpError:
        # A group typed without its subcommand: the "message" is the group's own
        # help, built from our docstrings, and must keep its lines.
        raise
    except click.ClickException as error:
        # Rewritten in place, so the exception keeps its class (a usage error still
        # prints its usage line and exits 2); click declares the field final.
        vars(error)["message"] = one_line(error.message)
        raise
    except CodebenchError as error:  # raised outside a handle_errors command
        raise click.ClickException(one_line(error)) from None


class SafeGroup(click.Group):
    """The root group: every error it or a subcommand raises is printed safely."""

    def make_context(
        self, info_name: str | None, args: list[str], *rest: Any, **kwargs: Any
    ) -> click.Context:
        """Also settles what a bare ``--pseudonymise`` takes, for every command at once
        (:func:`~codebench.cli.pseudonymise_option.separate_bare_option`)."""
        from codebench.cli.pseudonymise_option import separate_bare_option

        with _printable_errors():
            return super().make_context(
                info_name, separate_bare_option(list(args)), *rest, **kwargs
            )

    def invoke(self, ctx: click.Context) -> Any:
        with _printable_errors():
            return super().invoke(ctx)


@click.group(
    cls=SafeGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "-p",
    "--project",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="CODEBENCH_PROJECT",
    help="Project file (default: ./codebench.db, or $CODEBENCH_PROJECT).",
)
@click.version_option(__version__, prog_name="codebench")
@click.pass_context
def cli(ctx: click.Context, project: Path | None) -> None:
    """codebench: code interview transcripts against a codebook, in the terminal.

    Run without a command to open the coding workbench on the project.

    \b
    Examples:
      codebench demo                      # try it on the bundled demo project
      codebench init && codebench import transcripts/
      codebench segments 01-riverside-ceo
    """
    ctx.obj = Context(project)
    if ctx.invoked_subcommand is None:
        from codebench.cli.tui_cmd import open_tui

        handle_errors(open_tui)(ctx.obj, coder=None, transcript=None)


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="codebench")
    except BrokenPipeError:  # e.g. `codebench segments x | head`
        sys.stderr.close()
        os._exit(0)


def register() -> None:
    """Attach every command module's commands to :data:`cli`."""
    from codebench.cli import (
        agreement_cmds,
        analysis_cmds,
        build_cmds,
        codebook_cmds,
        coding_cmds,
        correction_cmds,
        design_cmds,
        exchange_cmds,
        framework_cmds,
        history_cmds,
        map_cmds,
        participant_cmds,
        project_cmds,
        pseudonym_cmds,
        refi_cmds,
        report_cmds,
        round_cmds,
        team_cmds,
        tui_cmd,
    )

    for module in (
        project_cmds,
        codebook_cmds,
        coding_cmds,
        history_cmds,
        correction_cmds,
        tui_cmd,
        exchange_cmds,
        refi_cmds,
        agreement_cmds,
        design_cmds,
        round_cmds,
        report_cmds,
        analysis_cmds,
        build_cmds,
        participant_cmds,
        framework_cmds,
        map_cmds,
        pseudonym_cmds,
        team_cmds,
    ):
        for command in module.COMMANDS:
            cli.add_command(command)


register()
