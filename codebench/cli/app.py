"""The root command group, shared options and error handling."""

from __future__ import annotations

import functools
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from codebench import __version__
from codebench.errors import CodebenchError, ProjectMissing
from codebench.safety import one_line

if TYPE_CHECKING:
    from codebench.project import Project

F = TypeVar("F", bound=Callable[..., Any])

#: Where ``codebench demo`` builds its project; suggested when no project is found.
DEMO_PROJECT = Path("codebench-demo.db")


class Context:
    """Per-invocation state: where the project is, and which project file a command opened."""

    def __init__(self, project_path: Path | None) -> None:
        self.project_path = project_path
        #: The project file the command opened last: the one an SQLite failure is about.
        self.opened: Path | None = None

    @property
    def path(self) -> Path:
        """``-p PATH``, else ``$CODEBENCH_PROJECT`` or ``./codebench.db``."""
        if self.project_path is not None:
            return self.project_path
        from codebench.project import default_project_path

        return default_project_path()

    def open(self, *, write: bool = True) -> Project:
        """Open the ``-p`` project, which must exist; ``write=False`` for commands that only read."""
        return self.open_at(self.path, write=write)

    def open_at(self, path: Path, *, create: bool = False, write: bool = True) -> Project:
        """Open the project at ``path`` (``create``: make one there if there is none)."""
        from codebench.project import Project

        self.opened = path
        return Project.open(path, create=create, write=write)


def handle_errors(func: F) -> F:
    """Turn a user's or the environment's failure into a one-line ``Error:`` and exit status 1.

    :class:`CodebenchError` prints as it is. SQLite failures about the project
    file (locked past the busy timeout, disk full, read-only, damaged) are
    translated here, once for every command, naming the file the command
    opened; any other SQLite error is a bug and keeps its traceback.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ProjectMissing as error:
            raise click.ClickException(str(error) + _demo_hint(error.path)) from None
        except CodebenchError as error:
            raise click.ClickException(one_line(error)) from None
        except sqlite3.Error as error:
            from codebench.store.failures import describe

            message = describe(error, _project_in_play())
            if message is None:
                raise
            raise click.ClickException(one_line(message)) from None
        except KeyboardInterrupt:
            raise click.Abort() from None

    return wrapper  # type: ignore[return-value]


def _project_in_play() -> Path:
    """The project file the running command opened (else the one ``-p`` names)."""
    click_ctx = click.get_current_context(silent=True)
    state = click_ctx.find_object(Context) if click_ctx is not None else None
    if state is None:
        from codebench.project import default_project_path

        return default_project_path()
    return state.opened or state.path


def _demo_hint(missing: object) -> str:
    """Point at the demo project when it is in this folder and was not the path tried."""
    if DEMO_PROJECT.is_file() and Path(str(missing)) != DEMO_PROJECT:
        return f"; the demo project is here: `codebench -p {DEMO_PROJECT}`"
    return ""


def coder_option(required: bool = True) -> Callable[[F], F]:
    return click.option(
        "--coder",
        envvar="CODEBENCH_CODER",
        required=required,
        help="Coder name (or set CODEBENCH_CODER).",
    )


def format_option(*choices: str) -> Callable[[F], F]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help="Output format.",
    )


pass_ctx = click.make_pass_decorator(Context)


@contextmanager
def _printable_errors() -> Iterator[None]:
    """Make every error message safe to print: one line, no control characters.

    A message quotes what the user typed or what a file held (a file name,
    a code name, an option); an escape sequence in it would otherwise reach
    the terminal, and a newline would start a made-up second line.
    """
    try:
        yield
    except click.ClickException as error:
        error.message = one_line(error.message)
        raise
    except CodebenchError as error:  # raised outside a handle_errors command
        raise click.ClickException(one_line(error)) from None


class SafeGroup(click.Group):
    """The root group: every error it or a subcommand raises is printed safely."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        with _printable_errors():
            return super().make_context(*args, **kwargs)

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
        codebook_cmds,
        coding_cmds,
        exchange_cmds,
        project_cmds,
        refi_cmds,
        report_cmds,
        tui_cmd,
    )

    for module in (
        project_cmds,
        codebook_cmds,
        coding_cmds,
        tui_cmd,
        exchange_cmds,
        refi_cmds,
        agreement_cmds,
        report_cmds,
    ):
        for command in module.COMMANDS:
            cli.add_command(command)


register()
