"""Correcting transcript text: edit it in $EDITOR (or from a file), and the codings left to review."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import click

from codebench.cli.context import Context, InputFile, coder_option, handle_errors, pass_ctx
from codebench.cli.output import say
from codebench.errors import CodebenchError
from codebench.safety import one_line
from codebench.wording import plural

#: Editors tried, in order, when neither $VISUAL nor $EDITOR is set.
_FALLBACK_EDITORS = ("nano", "vi")


def editor_command() -> list[str]:
    """``$VISUAL``, else ``$EDITOR``, else the first of nano and vi found; split as a shell would, never run by one."""
    for variable in ("VISUAL", "EDITOR"):
        value = os.environ.get(variable, "").strip()
        if value:
            try:
                words = shlex.split(value)
            except ValueError as error:
                raise CodebenchError(f"${variable} cannot be read ({error})") from None
            if words:
                return words
    for name in _FALLBACK_EDITORS:
        found = shutil.which(name)
        if found:
            return [found]
    raise CodebenchError("no editor found: set $EDITOR (or use --from FILE)")


def edit_in_editor(text: str, name: str) -> str:
    """Open ``text`` in the user's editor in a private temporary file; the saved text.

    The editor failing (not found, non-zero exit, killed) raises, so nothing
    is written.
    """
    from codebench.fileio import private_tempdir
    from codebench.ingest.decode import decode_bytes, read_limited

    command = editor_command()
    with private_tempdir("edit") as folder:
        path = folder / f"{_file_stem(name)}.txt"
        path.write_text(text, encoding="utf-8")
        try:
            status = subprocess.call([*command, str(path)])
        except OSError as error:
            raise CodebenchError(
                f"cannot run the editor {one_line(command[0])!r} ({error.strerror}); nothing written"
            ) from None
        if status != 0:
            raise CodebenchError(
                f"the editor {one_line(command[0])!r} exited with status {status}; nothing written"
            )
        if not path.is_file():
            raise CodebenchError("the edited file is gone (the editor removed it); nothing written")
        return decode_bytes(read_limited(path, path.name), path.name, "utf-8").text


def _keep_edit(text: str, name: str) -> str:
    """Save an edit that could not be applied where the user can pick it up (a private temporary file)."""
    import tempfile

    handle, path = tempfile.mkstemp(prefix=f"codebench-{_file_stem(name)}-", suffix=".txt")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    return path


def _file_stem(name: str) -> str:
    from codebench.safety import safe_file_name

    return Path(safe_file_name(name)).name[:80] or "transcript"


@click.command(name="edit-transcript")
@click.argument("transcript")
@coder_option()
@click.option(
    "--from",
    "source",
    type=InputFile(),
    help="Take the corrected text from FILE instead of opening an editor.",
)
@click.option("--reason", default="", help="Why the text changed (kept with the version).")
@pass_ctx
@handle_errors
def edit_transcript(
    ctx: Context, transcript: str, coder: str, source: Path | None, reason: str
) -> None:
    """Correct TRANSCRIPT's text in $EDITOR (or --from FILE), keeping every coding.

    The old text is kept as a version; every segment and coding (all coders)
    moves with the words; codings whose words were deleted or replaced at
    their edges are flagged for review (see `review-codings`). One logged
    action, undone with `u` in the workbench like any other.

    \b
    Examples:
      codebench edit-transcript int1 --coder alice
      codebench edit-transcript int1 --coder alice --from int1-fixed.txt --reason "mis-heard names"
    """
    from codebench.coding.correction import check_may_correct, correct_text
    from codebench.ingest.decode import decode_bytes, read_limited

    with ctx.open() as project:
        t = project.transcript(transcript)
        check_may_correct(project)  # before the editor opens: a refused edit is lost work
        if source is not None:
            new_text = decode_bytes(read_limited(source, str(source)), str(source)).text
        else:
            new_text = edit_in_editor(project.text(t), t.name)
        try:
            result = correct_text(project, t, new_text, coder, reason=reason, based_on=t.sha256)
        except CodebenchError as error:
            if source is None and "changed elsewhere" in str(error):
                kept = _keep_edit(new_text, t.name)
                raise CodebenchError(f"{error}; your edit is kept in {kept} (--from it)") from None
            raise
    say(result.summary())
    if result.review:
        count = len(result.review)
        say(f"{plural(count, 'coding')} need{'s' if count == 1 else ''} review:")
        for item in result.review:
            say(f"  {item.describe()}")


@click.command(name="review-codings")
@click.argument("transcript", required=False)
@click.option("--done", is_flag=True, help="Clear the flags listed (you have looked at them).")
@pass_ctx
@handle_errors
def review_codings(ctx: Context, transcript: str | None, done: bool) -> None:
    """List the codings corrections left for review (of TRANSCRIPT, or all).

    \b
    Examples:
      codebench review-codings int1
      codebench review-codings int1 --done
    """
    from codebench.coding.correction import mark_reviewed, needing_review

    with ctx.open(write=done) as project:
        items = needing_review(project, transcript)
        if not items:
            say("no codings need review")
            return
        for item in items:
            say(f"{item.transcript}: {item.describe()}")
        if done:
            cleared = mark_reviewed(project, [i.coding_id for i in items])
            say(f"marked {plural(cleared, 'coding')} reviewed")


COMMANDS = [edit_transcript, review_codings]
