"""`codebench query`, `codebench queries` and `codebench search`: the analysis layer's CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from codebench.cli.context import Context, format_option, handle_errors, new_coder_option, pass_ctx
from codebench.cli.output import check_binary_stdout, console, emit, is_stdout, output_option, say
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.analysis.scope import ScopeSpec

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("table", "csv", "xlsx", "md", "html", "docx", "json")


def scope_options(func: F) -> F:
    """``--where``, ``--transcripts``, ``--coder``/``--coders`` and ``--speaker``."""
    options = [
        click.option(
            "--where",
            multiple=True,
            metavar="KEY=VALUE",
            help="Only transcripts whose attribute KEY is VALUE (KEY!=VALUE: another value); repeatable, all must hold.",
        ),
        click.option(
            "--transcripts",
            multiple=True,
            metavar="A,B",
            help="Only these transcripts (comma-separated names; repeatable).",
        ),
        click.option(
            "--coder",
            "coder",
            multiple=True,
            metavar="NAME",
            help="Whose codings: a coder, 'all' or 'consensus'; repeatable. "
            "Default: the consensus coder once it is marked done on every transcript in scope, else every coder pooled (the output says which).",
        ),
        click.option(
            "--coders", multiple=True, metavar="A,B", help="Several coders, comma-separated."
        ),
        click.option(
            "--consensus", is_flag=True, help="The consensus coding (as --coder consensus)."
        ),
        click.option(
            "--speaker",
            "speakers",
            multiple=True,
            metavar="NAME",
            help="Only what this speaker says; repeatable.",
        ),
        click.option(
            "--round",
            "round_ref",
            metavar="N",
            help="Only a reliability round: its sample's transcripts, coded by its coders.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _spec(
    where: tuple[str, ...],
    transcripts: tuple[str, ...],
    coder: tuple[str, ...],
    coders: tuple[str, ...],
    speakers: tuple[str, ...],
    consensus: bool = False,
    round_ref: str | None = None,
) -> ScopeSpec:
    from codebench.analysis.scope import ScopeSpec

    return ScopeSpec.of(
        where,
        transcripts,
        [*coder, *coders, *(["consensus"] if consensus else [])],
        speakers,
        round_ref,
    )


def output_options(func: F) -> F:
    func = output_option("Write to this file (atomically).")(func)
    func = click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        help="Output format (default: from -o's extension, else a table).",
    )(func)
    return click.option(
        "--count-by",
        metavar="transcript|speaker|attribute:KEY",
        help="Count the passages (hits) by transcript, by speaker, or by an attribute's values.",
    )(func)


@click.command(name="query", short_help="Find passages by their codes: 04.2 & 10 & !16.")
@click.argument("expression", required=False)
@scope_options
@output_options
@click.option("--save", "save_as", metavar="NAME", help="Save the query and its scope as NAME.")
@click.option("--run", "run_name", metavar="NAME", help="Run the saved query NAME.")
@click.option(
    "--code-as",
    metavar="CODE",
    help="A query code: code the passages with CODE (a preview; --apply writes).",
)
@click.option(
    "--as",
    "as_coder",
    envvar="CODEBENCH_CODER",
    metavar="NAME",
    help="With --code-as: who codes (or set CODEBENCH_CODER).",
)
@click.option("--apply", "do_apply", is_flag=True, help="With --code-as: apply the batch.")
@click.option("--reject", multiple=True, metavar="N,M", help="With --code-as: leave these out.")
@new_coder_option
@pass_ctx
@handle_errors
def query(
    ctx: Context,
    expression: str | None,
    where: tuple[str, ...],
    transcripts: tuple[str, ...],
    coder: tuple[str, ...],
    coders: tuple[str, ...],
    consensus: bool,
    speakers: tuple[str, ...],
    round_ref: str | None,
    count_by: str | None,
    fmt: str | None,
    output: Path | str | None,
    save_as: str | None,
    run_name: str | None,
    code_as: str | None,
    as_coder: str | None,
    do_apply: bool,
    reject: tuple[str, ...],
) -> None:
    """Find the passages whose codes match EXPRESSION.

    Codes by number (04.2, 4.2), GUID or name fragment ("Competition", or
    quoted: "Disadvantages and tensions"); 13.* is 13 and its sub-codes.
    Operators, loosest first: | (either), & (both), near:N (at most N segments
    apart), followed-by:N (then, 1 to N segments later), within:turn (in one
    speaker turn) or within:paragraph, ! (not); parentheses group.
    See docs/analysis.md for the grammar.

    \b
    Examples:
      codebench query '04.2 & 10 & !16' --where role=commissioner
      codebench query '12 | 13.*' --count-by attribute:role -o innovation.xlsx
      codebench query '08 within:turn 07' --coders alice,bob --format md
      codebench query '09 followed-by:3 10' --save sequence
      codebench query --run sequence --where "stage!=in-house comparator" -o sequence.docx
      codebench query '04.2 & 10' --code-as 21 --as alice --apply
    """
    from codebench.analysis import saved
    from codebench.analysis.query import run_query
    from codebench.errors import CodebenchError

    spec = _spec(where, transcripts, coder, coders, speakers, consensus, round_ref)
    fmt, output = _format(fmt, output)
    if code_as is None and (do_apply or reject):
        raise CodebenchError("--apply and --reject go with --code-as CODE")
    if code_as is not None and do_apply and not as_coder:
        raise CodebenchError("--code-as with --apply needs --as NAME (who codes)")
    with ctx.open(write=save_as is not None or do_apply) as project:
        if run_name is not None:
            if expression is not None:
                raise CodebenchError("give an EXPRESSION or --run NAME, not both")
            stored = saved.saved_query(project, run_name)
            expression, spec = stored.expression, stored.scope.merged(spec)
        if expression is None:
            raise CodebenchError("give a query EXPRESSION (like '04.2 & 10') or --run NAME")
        _check_count_by(project, count_by)
        result = run_query(project, expression, spec)
        if code_as is not None:
            from codebench.analysis.autocode import plan_query_code

            _batch(project, plan_query_code(project, result, code_as), as_coder, do_apply, reject)
            return
        if save_as is not None:
            replaced = saved.save_query(project, save_as, expression, spec)
            say(f"{'Replaced' if replaced else 'Saved'} query {save_as!r}: {expression}", err=True)
        _show(result, fmt, output, count_by)


@click.command(name="queries", short_help="List (or delete) the saved queries.")
@format_option("table", "json", "csv")
@click.option("--delete", "delete_name", metavar="NAME", help="Delete the saved query NAME.")
@pass_ctx
@handle_errors
def queries(ctx: Context, fmt: str, delete_name: str | None) -> None:
    """List the queries saved with `codebench query --save NAME`.

    \b
    Examples:
      codebench queries
      codebench queries --delete sequence
    """
    from codebench.analysis import saved

    with ctx.open(write=delete_name is not None) as project:
        if delete_name is not None:
            saved.delete_query(project, delete_name)
            say(f"Deleted query {delete_name!r}", err=True)
            return
        rows = [
            {
                "name": q.name,
                "expression": q.expression,
                "scope": "; ".join(f"{k}: {', '.join(v)}" for k, v in q.scope.to_dict().items()),
                "updated": q.updated_at,
            }
            for q in saved.saved_queries(project)
        ]
    emit(rows, fmt, title="Saved queries", columns=["name", "expression", "scope", "updated"])


@click.command(name="search", short_help="Find words, phrases or patterns in every transcript.")
@click.argument("pattern")
@click.option("--regex", is_flag=True, help="PATTERN is a regular expression.")
@click.option("--case-sensitive", is_flag=True, help="Match case as typed.")
@click.option("--exact-accents", is_flag=True, help="Match accents as typed (cafe ≠ café).")
@click.option(
    "--lemma",
    is_flag=True,
    help="Match every inflection of each word (commissioned, commissions → commission);"
    " needs the lemmas extra.",
)
@click.option(
    "--in-code",
    metavar="QUERY",
    help="Only hits in segments this query matches (a code, or '10 & !16').",
)
@click.option(
    "--no-interviewer",
    "codable_only",
    is_flag=True,
    help="Leave out turns marked not codable (the interviewer's questions); "
    "--speaker NAME keeps only that speaker.",
)
@click.option(
    "--limit",
    type=click.IntRange(0, None),
    default=200,
    show_default=True,
    help="In the terminal, the hits of the first N matching segments (0: all); files get all.",
)
@click.option(
    "--context",
    "width",
    type=click.IntRange(0, 1000),
    default=40,
    show_default=True,
    help="Characters of context either side.",
)
@scope_options
@output_options
@pass_ctx
@handle_errors
def search(
    ctx: Context,
    pattern: str,
    regex: bool,
    case_sensitive: bool,
    exact_accents: bool,
    lemma: bool,
    in_code: str | None,
    codable_only: bool,
    limit: int,
    width: int,
    where: tuple[str, ...],
    transcripts: tuple[str, ...],
    coder: tuple[str, ...],
    coders: tuple[str, ...],
    consensus: bool,
    speakers: tuple[str, ...],
    round_ref: str | None,
    count_by: str | None,
    fmt: str | None,
    output: Path | str | None,
) -> None:
    """Find PATTERN in every transcript: keyword in context.

    PATTERN is a word, a phrase (the words in order), a word ending in *
    (pens* finds pension and pensions), or alternatives: 'TUPE | pension'.
    Case and accents are folded unless --case-sensitive / --exact-accents.
    With --lemma each word also matches its other inflections (English).

    \b
    Examples:
      codebench search 'TUPE | pension'
      codebench search commissioning --lemma
      codebench search 'pension scheme' --where role=commissioner --count-by transcript
      codebench search 'staff' --in-code 08 -o staff-in-08.xlsx
      codebench search pension --no-interviewer
      codebench search --regex 'contract(s|ed)?\\b' --speaker 'Helen Marsh'
    """
    from codebench.analysis.search import search as run_search

    spec = _spec(where, transcripts, coder, coders, speakers, consensus, round_ref)
    fmt, output = _format(fmt, output)
    with ctx.open(write=False) as project:
        _check_count_by(project, count_by)
        result = run_search(
            project,
            pattern,
            spec,
            regex=regex,
            case_sensitive=case_sensitive,
            exact_accents=exact_accents,
            in_code=in_code,
            context=width,
            lemma=lemma,
            codable_only=codable_only,
        )
        _show(result, fmt, output, count_by, width, limit)


@click.command(
    name="words", short_help="Word frequencies and n-grams, per code, attribute or speaker."
)
@click.option(
    "--by",
    metavar="code|attribute:KEY|speaker|transcript",
    help="Rank per group: per code, per value of an attribute, per speaker or per transcript.",
)
@click.option(
    "--in-code", metavar="QUERY", help="Only segments this query matches (a code, or '10 & !16')."
)
@click.option(
    "--ngram", type=click.IntRange(1, 5), default=1, show_default=True, help="Words per term."
)
@click.option(
    "--top", type=click.IntRange(1, 10_000), default=20, show_default=True, help="Terms per group."
)
@click.option(
    "--lemma", is_flag=True, help="Count every inflection as its lemma (needs the lemmas extra)."
)
@scope_options
@output_option("Write to this file (atomically).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*FORMATS, "png", "svg"]),
    help="Output format (default: from -o's extension, else ranked bars in the terminal).",
)
@pass_ctx
@handle_errors
def words(
    ctx: Context,
    by: str | None,
    in_code: str | None,
    ngram: int,
    top: int,
    lemma: bool,
    where: tuple[str, ...],
    transcripts: tuple[str, ...],
    coder: tuple[str, ...],
    coders: tuple[str, ...],
    consensus: bool,
    speakers: tuple[str, ...],
    round_ref: str | None,
    output: Path | str | None,
    fmt: str | None,
) -> None:
    """Rank the words (or --ngram phrases) used, leaving out the stop list.

    Only codable segments count (not the interviewer's questions); see
    `codebench stop-words` to edit the stop list.

    \b
    Examples:
      codebench words --top 30
      codebench words --by attribute:role --ngram 2 -o phrases-by-role.xlsx
      codebench words --in-code 10 -o commissioning-words.png
      codebench words --by code --top 10 --format md
      codebench words --lemma --in-code 10
    """
    from codebench.analysis.words import render_words, word_frequencies
    from codebench.cli.output import write_output
    from codebench.reports import writers

    spec = _spec(where, transcripts, coder, coders, speakers, consensus, round_ref)
    to_stdout = is_stdout(output)
    chosen = writers.infer_format(None if to_stdout else output, fmt)
    if chosen in ("xlsx", "docx", "png") and output is None:
        from codebench.errors import CodebenchError

        raise CodebenchError(f"{chosen} output needs a file: add -o FILE (or -o - for a pipe)")
    if chosen in ("xlsx", "docx", "png") and to_stdout:
        check_binary_stdout(f"{chosen} output")
    with ctx.open(write=False) as project:
        result = word_frequencies(
            project, spec, by=by, in_code=in_code, ngram=ngram, top=top, lemma=lemma
        )
    if chosen == "table" and (output is None or to_stdout):
        _print_bars(result)
        return
    data = render_words(result, "md" if chosen == "table" else chosen)
    write_output(output if output is not None else "-", data, what=f"{chosen} output")
    if output is not None and not to_stdout:
        say(f"Wrote {output} ({chosen})", err=True)


def _print_bars(result: Any) -> None:
    """Ranked bars in the terminal, one block per group."""
    from rich.text import Text

    from codebench.reports.render_rich import bar, notes_text
    from codebench.safety import terminal_safe

    out = console()
    groups = [g for g, _ in result.groups] if result.by else [""]
    for group in groups:
        terms = [t for t in result.terms if t.group == group]
        if not terms:
            continue
        out.print(Text(terminal_safe(group or "Word frequencies"), style="bold"))
        width = max(len(t.term) for t in terms)
        top = max(t.count for t in terms)
        for t in terms:
            line = Text(terminal_safe(t.term).ljust(width) + " ")
            line.append(bar(t.count, top, 30), style="cyan")
            line.append(f" {t.count:,}")
            out.print(line, no_wrap=True, overflow="crop")
    out.print(notes_text(result.notes))


@click.command(name="stop-words", short_help="Show or edit the project's stop list.")
@click.option("--add", multiple=True, metavar="WORD", help="Leave this word out too; repeatable.")
@click.option("--remove", multiple=True, metavar="WORD", help="Count this word again; repeatable.")
@click.option("--reset", is_flag=True, help="Back to the built-in English list.")
@pass_ctx
@handle_errors
def stop_words_cmd(
    ctx: Context, add: tuple[str, ...], remove: tuple[str, ...], reset: bool
) -> None:
    """Show the stop list `codebench words` leaves out, or edit it for this project.

    \b
    Examples:
      codebench stop-words --add council --add service
      codebench stop-words --remove well
    """
    from codebench.analysis.words import edit_stop_words, one_word, stop_words

    editing = bool(add or remove or reset)
    with ctx.open(write=editing) as project:
        before = stop_words(project)
        words = (
            edit_stop_words(project, list(add), list(remove), reset=reset) if editing else before
        )
    say(" ".join(sorted(words)))
    if editing:
        say(
            _stop_word_changes(
                before, words, [one_word(w) for w in add], [one_word(w) for w in remove]
            )
        )


def _stop_word_changes(
    before: set[str], after: set[str], added: list[str], removed: list[str]
) -> str:
    """One line saying what an edit of the stop list did, and which words it left as they were."""
    parts = [plural(len(after), "stop word")]
    if after - before:
        parts.append("now left out: " + ", ".join(sorted(after - before)))
    if before - after:
        parts.append("now counted: " + ", ".join(sorted(before - after)))
    already = sorted({w for w in added if w in before})
    absent = sorted({w for w in removed if w not in before})
    if already:
        parts.append("already on the list: " + ", ".join(already))
    if absent:
        parts.append("not on the list (nothing to remove): " + ", ".join(absent))
    return "; ".join(parts) + "."


@click.command(
    name="autocode", short_help="Code the hits of a search: preview, then apply as one action."
)
@click.argument("pattern")
@click.option("--code", "code", required=True, help="The code to apply (number or name).")
@click.option(
    "--coder", envvar="CODEBENCH_CODER", required=True, help="Who codes (or set CODEBENCH_CODER)."
)
@click.option(
    "--spread",
    type=click.Choice(["hit", "segment", "turn"]),
    default="segment",
    show_default=True,
    help="Code the words found, their sentence segment, or the whole speaker turn.",
)
@click.option(
    "--apply", "do_apply", is_flag=True, help="Apply the batch (without it: preview only)."
)
@click.option(
    "--reject", multiple=True, metavar="N,M", help="Leave out these passages of the preview."
)
@click.option("--regex", is_flag=True, help="PATTERN is a regular expression.")
@click.option("--case-sensitive", is_flag=True, help="Match case as typed.")
@click.option("--exact-accents", is_flag=True, help="Match accents as typed.")
@click.option("--lemma", is_flag=True, help="Match every inflection of each word, as for search.")
@click.option("--in-code", metavar="QUERY", help="Only hits in segments this query matches.")
@click.option("--where", multiple=True, metavar="KEY=VALUE", help="As for search; repeatable.")
@click.option("--transcripts", multiple=True, metavar="A,B", help="Only these transcripts.")
@click.option("--coders", multiple=True, metavar="A,B", help="Whose codings --in-code looks at.")
@click.option("--speaker", "speakers", multiple=True, metavar="NAME", help="Only this speaker.")
@new_coder_option
@pass_ctx
@handle_errors
def autocode(
    ctx: Context,
    pattern: str,
    code: str,
    coder: str,
    spread: str,
    do_apply: bool,
    reject: tuple[str, ...],
    regex: bool,
    case_sensitive: bool,
    exact_accents: bool,
    lemma: bool,
    in_code: str | None,
    where: tuple[str, ...],
    transcripts: tuple[str, ...],
    coders: tuple[str, ...],
    speakers: tuple[str, ...],
) -> None:
    """Code the hits of a search for PATTERN with CODE, as one reviewable batch.

    Without --apply, lists the numbered passages the code would go on and
    writes nothing. With --apply, codes them (less any --reject-ed numbers)
    as --coder in one action, which that coder's undo reverts as a whole;
    nobody else's codings are touched.

    \b
    Examples:
      codebench autocode 'TUPE | pension' --code 17 --coder alice
      codebench autocode 'TUPE | pension' --code 17 --coder alice --reject 2 --apply
      codebench autocode staff --code 08 --coder alice --spread turn --where role=manager
    """
    from codebench.analysis.autocode import plan_autocode
    from codebench.analysis.search import search as run_search

    spec = _spec(where, transcripts, (), coders, speakers)
    with ctx.open(write=do_apply) as project:
        found = run_search(
            project,
            pattern,
            spec,
            regex=regex,
            case_sensitive=case_sensitive,
            exact_accents=exact_accents,
            in_code=in_code,
            lemma=lemma,
        )
        batch = plan_autocode(project, found, code, spread)
        _batch(project, batch, coder, do_apply, reject)


def _batch(
    project: Any, batch: Any, coder: str | None, do_apply: bool, reject: tuple[str, ...]
) -> None:
    """Preview a batch (numbered passages, nothing written) or apply it as one action."""
    from codebench.analysis.autocode import apply_autocode, check_batch
    from codebench.analysis.scope import ScopeError, split_list
    from codebench.reports.render_rich import notes_text

    numbers = []
    for item in split_list(reject):
        if not item.isdigit():
            raise ScopeError(f"--reject {item!r}: give passage numbers from the preview (2,5)")
        numbers.append(int(item))
    check_batch(project, batch, coder, numbers)  # the preview refuses what --apply would
    if not do_apply:
        from codebench.analysis.tables import autocode_table
        from codebench.reports.render_rich import rich_table

        table = autocode_table(batch, set(numbers))
        out = console()
        out.print(rich_table(table))
        out.print(notes_text([*table.notes, "Nothing written: add --apply to code them."]))
        return
    assert coder is not None
    added = apply_autocode(project, batch, coder, numbers)
    kept = len(batch.proposals) - len(set(numbers))
    say(
        f"Coded {plural(len(added), 'passage')} with {batch.code} as {coder} "
        f"({kept - len(added)} already coded so; one action, undone as one)"
    )


def _check_count_by(project: Any, count_by: str | None) -> None:
    if count_by is not None:
        from codebench.analysis.tables import check_count_by

        check_count_by(count_by, project.transcripts())


def _format(fmt: str | None, output: Path | str | None) -> tuple[str, Path | str | None]:
    """The format (given, or from -o's extension) and the output (``None``: the terminal)."""
    from codebench.errors import CodebenchError
    from codebench.reports import writers

    to_stdout = is_stdout(output)
    fmt = writers.infer_format(None if to_stdout else output, fmt)
    if fmt not in FORMATS:
        raise CodebenchError(f"results cannot be written as {fmt} (use {', '.join(FORMATS)})")
    if fmt in ("xlsx", "docx"):
        if to_stdout:
            check_binary_stdout(f"{fmt} output")
        elif output is None:
            raise CodebenchError(f"{fmt} output needs a file: add -o FILE (or -o - for a pipe)")
    if fmt == "table" and output is not None and not to_stdout:
        fmt = "md"
    return fmt, output


def _print_kwic(out: Any, result: Any, width: int, limit: int = 0) -> None:
    """Keyword in context, one hit a line, every hit in the same column."""
    from rich.text import Text

    from codebench.analysis.tables import kwic_lines
    from codebench.safety import terminal_safe

    out.print(Text(terminal_safe(f"Search: {result.pattern}"), style="bold"))
    page = result.first(limit) if limit else None
    # On a narrow terminal the place column and the left context give way (the place
    # to a third of the line, keeping its segment number; the left context to a third
    # of what is left), so the hit itself is always on screen; the right context is
    # cut at the edge.
    cap = max(12, out.width // 3)
    lines = kwic_lines(result, width, page, place_width=cap)
    size = max((len(line[0]) for line in lines), default=0)
    room = out.width - size - 2
    if width and 2 * width + 8 > room:
        lines = kwic_lines(result, max(6, room // 3), page, place_width=cap)
    for place, left, hit, right in lines:
        line = Text.assemble(
            (terminal_safe(place), "dim"),
            "  ",
            terminal_safe(left),
            (terminal_safe(hit), "bold reverse"),
            terminal_safe(right),
        )
        out.print(line, no_wrap=True, overflow="crop")


def _show(
    result: Any,
    fmt: str,
    output: Path | str | None,
    count_by: str | None,
    width: int = 40,
    limit: int = 0,
) -> None:
    from codebench.analysis import output as analysis_output
    from codebench.cli.output import write_output

    if fmt == "table" and (output is None or is_stdout(output)):
        from codebench.analysis.search import SearchResult
        from codebench.reports.render_rich import notes_text, rich_table

        tables = analysis_output.tables_for(result, count_by)
        out = console()
        if isinstance(result, SearchResult) and count_by is None:
            _print_kwic(out, result, width, limit)
            if limit and result.segments > limit:
                out.print(
                    notes_text(
                        [
                            f"The hits of the first {limit} of {plural(result.segments, 'matching segment')} "
                            "(--limit 0 for all, or -o FILE)."
                        ]
                    )
                )
                return
            out.print(notes_text(tables[0].notes))
            return
        out.print(rich_table(tables[0]))
        out.print(notes_text(tables[0].notes))
        return
    data = analysis_output.render(result, fmt, count_by)
    if output is None or is_stdout(output):
        write_output("-", data, what=f"{fmt} output")
    else:
        write_output(output, data)
        say(f"Wrote {output} ({fmt})", err=True)


COMMANDS = [query, queries, search, autocode, words, stop_words_cmd]
