"""What every command shares: the invocation's project, its options and its error handling.

Command modules import from here, and the root group in :mod:`codebench.cli.app`
imports the command modules, so the dependency runs one way.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from codebench.errors import CodebenchError, ProjectMissing
from codebench.nesting import MAX_CODE_DEPTH
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
        #: ``--new-coder``: a coder name the project does not know may be added.
        self.new_coder = False

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
        project = Project.open(path, create=create, write=write)
        project.new_coders = self.new_coder
        return project


def handle_errors(func: F) -> F:
    """Turn a user's or the environment's failure into a one-line ``Error:`` and exit status 1.

    :class:`CodebenchError` prints as it is. SQLite failures about the project
    file (locked past the busy timeout, disk full, read-only, damaged) are
    translated here, once for every command, naming the file the command
    opened; any other SQLite error is a bug and keeps its traceback. An
    ``OSError`` about a file (the writers already turn theirs into messages)
    and data nested past the recursion limit are the last backstops.
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
        except RecursionError:
            raise click.ClickException(one_line(_too_deep_message())) from None
        except BrokenPipeError:
            raise  # the reader of standard output went away: the entry point ends quietly
        except OSError as error:
            if error.filename is None:
                raise  # not about a file: a bug, keep the traceback
            raise click.ClickException(
                one_line(f"{error.filename}: {error.strerror or error}")
            ) from None
        except KeyboardInterrupt:
            raise click.Abort() from None

    return wrapper  # type: ignore[return-value]


def _too_deep_message() -> str:
    """The backstop for data nested past Python's recursion limit, naming the files in play.

    Every reader refuses input nested deeper than :mod:`codebench.nesting`
    allows, with its own message. A ``RecursionError`` that still gets here
    comes from data that bypassed the readers (a project file edited by
    hand, a code tree made with another tool): it is reported against the
    files the command was given and the project it opened, never as a traceback.
    """
    names = [str(path) for path in _files_in_play()]
    where = ", ".join(names) if names else "the input"
    return (
        f"{where}: nested too deeply to process (codebench keeps at most "
        f"{MAX_CODE_DEPTH} levels of codes); stopped, and nothing half-written was kept"
    )


def _files_in_play() -> list[Path]:
    """The files the running command was given to read (its path arguments), then its project."""
    click_ctx = click.get_current_context(silent=True)
    found: list[Path] = []
    if click_ctx is None:
        return found
    for name, value in click_ctx.params.items():
        if name == "output":
            continue  # where it was writing to, not what it was reading
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(item, Path) and item.is_file() and item not in found:
                found.append(item)
    state = click_ctx.find_object(Context)
    if state is not None:
        project = state.opened or state.project_path
        if project is not None and Path(project) not in found:
            found.append(Path(project))
    return found


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


class InputFile(click.Path):
    """A file a command reads: it must be a regular file (``exists`` by default).

    ``click.Path(dir_okay=False)`` lets a named pipe or a device through, and
    opening one for reading waits for a writer for ever: a command given a
    FIFO hung instead of saying so. A path that does not exist is left to the
    command when ``exists=False`` (merge reports its missing sources itself).
    """

    def __init__(self, *, exists: bool = True) -> None:
        super().__init__(exists=exists, dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = super().convert(value, param, ctx)
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return path
        if not stat.S_ISREG(mode):
            self.fail(
                f"{one_line(click.format_filename(value))!r} is not a regular file "
                "(a pipe or device would be read for ever)",
                param,
                ctx,
            )
        return path


def coder_option(required: bool = True) -> Callable[[F], F]:
    """``--coder NAME`` (a coder the project knows) with ``--new-coder`` to add one."""
    option = click.option(
        "--coder",
        envvar="CODEBENCH_CODER",
        required=required,
        help="Coder name (or set CODEBENCH_CODER).",
    )

    def decorate(func: F) -> F:
        return new_coder_option(option(func))

    return decorate


def _allow_new_coder(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    state = ctx.find_object(Context)
    if value and state is not None:
        state.new_coder = True


def new_coder_option(func: F) -> F:
    """``--new-coder``: let the command add a coder the project does not know yet.

    Without it, a command given an unknown coder name (a typo of "alice")
    stops with an error listing the project's coders, instead of silently
    starting a new coder whose work nobody compares.
    """
    return click.option(
        "--new-coder",
        is_flag=True,
        expose_value=False,
        callback=_allow_new_coder,
        help="Add the coder if the project has no coder of that name (else refused as a typo).",
    )(func)


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
