"""Computing a report by kind: the one mapping from a report's name and options to the library.

`codebench report KIND` and `codebench build` (a study file's ``report``
entries) both call :func:`compute_report`, so a report built from a study
file is exactly the one the command prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from codebench.project import Project
    from codebench.reports.tables import Table

KINDS = (
    "frequencies",
    "by-attribute",
    "crossed",
    "matrix",
    "cooccurrence",
    "quotes",
    "codebook",
    "progress",
    "memos",
    "html",
)
FORMATS = ("table", "csv", "csv-wide", "xlsx", "md", "html", "docx", "json", "png", "svg")
#: Every scope a report takes: the option, and what it keeps (one list for help and docs).
SCOPE_OPTIONS = ("--where", "--transcripts", "--coder", "--speaker", "--round")
#: Reports scoped through the coded units (every count of the transcripts, coders and
#: speakers in scope), and the others with the scopes they take.
SCOPED = ("frequencies", "by-attribute", "crossed", "matrix", "cooccurrence", "codebook", "html")


def kinds_taking(option: str) -> list[str]:
    """The reports that take the scope ``option`` (for the help text and the docs)."""
    return [k for k in KINDS if option not in REFUSED.get(k, ((), ""))[0]]


def scope_help(option: str, what: str) -> str:
    """``option``'s help: which reports take it (generated, so help and code agree), then ``what``."""
    kinds = kinds_taking(option)
    others = [k for k in KINDS if k not in kinds]
    which = "Every report" + (f" but {', '.join(others)}" if others else "")
    return f"{which}: {what}"


#: A report that takes only some scopes: the scopes it refuses, and why (one line).
REFUSED: dict[str, tuple[tuple[str, ...], str]] = {
    "quotes": ((), ""),
    "progress": (
        ("--speaker",),
        "progress counts each transcript's codable segments, not a speaker's",
    ),
    "memos": (
        ("--where", "--transcripts", "--speaker", "--round"),
        "memos sit on codes as well as transcripts; narrow them with --coder or --code",
    ),
}
MEASURES = ("segments", "codings", "transcripts", "percent", "words", "speakers")


def compute_report(
    project: Project,
    kind: str,
    *,
    coders: list[str] | None,
    attributes: list[str],
    presence: bool,
    normalise: str | None,
    codes: list[str],
    context: bool,
    subcodes: bool,
    rollup: bool,
    where: list[str] | None = None,
    transcripts: list[str] | None = None,
    cases: str = "transcripts",
    min_group: int = 3,
    generated: str | None = None,
    round_ref: str | None = None,
    speakers: list[str] | None = None,
) -> Any:
    """Compute the report ``kind`` (one library call per kind).

    ``generated`` is the date the whole report prints (default: the day of
    the project's last event, :func:`~codebench.reports.reproducible.data_date`,
    so the command and a build print the same).
    """
    from codebench import reports
    from codebench.errors import CodebenchError

    if kind == "by-attribute" and cases == "participants":
        kind = "crossed"  # by one attribute, participants as cases: the crossed table does it

    given = {
        "--where": bool(where),
        "--transcripts": bool(transcripts),
        "--speaker": bool(speakers),
        "--round": bool(round_ref),
    }
    if kind in REFUSED:
        refused, why = REFUSED[kind]
        named = [option for option in refused if given.get(option)]
        if named:
            raise CodebenchError(f"report {kind} takes no {', '.join(named)}: {why}")
    if any(given.values()):
        from codebench.analysis.scope import (
            ScopeSpec,
            report_units,
            resolve_scope,
            speaker_segments,
        )

        scope = resolve_scope(
            project,
            ScopeSpec.of(where or (), transcripts or (), coders or (), speakers or (), round_ref),
        )
        if kind == "quotes":
            return reports.quotes(
                project,
                codes or None,
                scope.report_selection,
                context=context,
                subcodes=subcodes,
                transcripts=scope.transcripts,
                keep_segments=speaker_segments(project, scope),
            )
        if kind == "progress":
            return reports.coding_progress(
                project, coders=scope.selection.coders, transcripts=scope.transcripts
            )
        units = report_units(
            project,
            scope,
            speakers=kind in ("frequencies", "codebook", "html"),
            words=kind in ("frequencies", "codebook", "html"),
        )
        if kind == "frequencies":
            return reports.frequencies(project, units=units)
        if kind == "by-attribute":
            if len(attributes) != 1:
                known = ", ".join(reports.attribute_keys(project)) or "none yet"
                raise CodebenchError(
                    f"by-attribute needs one --attribute (attributes: {known}); "
                    "to cross several, use report crossed --by A --by B"
                )
            return reports.by_attribute(project, attributes[0], rollup=rollup, units=units)
        if kind == "crossed":
            return reports.crossed(
                project, attributes, cases=cases, rollup=rollup, min_group=min_group, units=units
            )
        if kind == "matrix":
            return reports.code_matrix(
                project, presence=presence, rollup=rollup, units=units, cases=cases
            )
        if kind == "cooccurrence":
            return reports.cooccurrence(project, normalise=normalise, units=units)
        if kind == "codebook":
            return reports.codebook_document(project, units=units)
        from codebench.reports.agreement_part import agreement_part

        return reports.full_report(
            project,
            units.selection,
            agreement=agreement_part(project, coders, scope),
            attributes=attributes or None,
            quote_codes=codes or None,
            context=context,
            normalise=normalise or "jaccard",
            rollup=rollup,
            generated=generated,
            units=units,
            keep_segments=speaker_segments(project, scope),
            scope_options=scope.spec.as_options(),
        )
    if kind == "frequencies":
        return reports.frequencies(project, coders)
    if kind == "by-attribute":
        if len(attributes) != 1:
            known = ", ".join(reports.attribute_keys(project)) or "none yet"
            raise CodebenchError(
                f"by-attribute needs one --attribute (attributes: {known}); "
                "to cross several, use report crossed --by A --by B"
            )
        return reports.by_attribute(project, attributes[0], coders, rollup=rollup)
    if kind == "crossed":
        return reports.crossed(
            project, attributes, coders, cases=cases, rollup=rollup, min_group=min_group
        )
    if kind == "matrix":
        return reports.code_matrix(project, coders, presence=presence, rollup=rollup, cases=cases)
    if kind == "cooccurrence":
        return reports.cooccurrence(project, coders, normalise=normalise)
    if kind == "quotes":
        return reports.quotes(project, codes or None, coders, context=context, subcodes=subcodes)
    if kind == "codebook":
        return reports.codebook_document(project, coders)
    if kind == "progress":
        return reports.coding_progress(
            project, coders=reports.select_coders(project, coders).coders if coders else None
        )
    if kind == "memos":
        if len(codes) > 1:
            raise CodebenchError("memos takes at most one --code")
        return reports.memo_report(project, coders, code=codes[0] if codes else None)
    from codebench.analysis.scope import ScopeSpec
    from codebench.reports.agreement_part import agreement_part

    return reports.full_report(
        project,
        coders,
        agreement=agreement_part(project, coders),
        attributes=attributes or None,
        quote_codes=codes or None,
        context=context,
        normalise=normalise or "jaccard",
        rollup=rollup,
        generated=generated,
        scope_options=ScopeSpec.of(coders=coders or ()).as_options(),
    )


def quotes_behind_cells(
    project: Project,
    kind: str,
    result: Any,
    *,
    coders: list[str],
    where: list[str],
    transcripts: list[str],
    attributes: list[str],
    cases: str,
    rollup: bool,
    round_ref: str | None = None,
    speakers: list[str] | None = None,
) -> Table:
    """The sheet of the passages behind every cell of ``result`` (the report ``kind``)."""
    from codebench.analysis.explain import CellSpec, cell_quotes
    from codebench.analysis.scope import ScopeSpec

    spec = CellSpec(
        kind if kind != "by-attribute" or cases != "participants" else "crossed",
        ScopeSpec.of(where, transcripts, coders, speakers or (), round_ref),
        tuple(attributes),
        cases=cases,
        rollup=rollup,
    )
    return cell_quotes(project, spec, result)


def workbook_with_quotes(result: Any, quotes: Table, view: dict[str, Any]) -> bytes:
    """The report's xlsx workbook with the quotes sheet after its tables."""
    from codebench.reports.render_xlsx import tables_xlsx
    from codebench.reports.tables import data_tables

    return tables_xlsx([*data_tables(result, **view), quotes], notes=list(result.notes))
