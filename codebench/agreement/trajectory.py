"""Agreement across reliability rounds: alpha per code, round by round, with its interval and n.

A team revises its codebook between rounds; the trajectory shows whether
each code's agreement rose on the fresh sample of the next round. Each
round's figures are the round's own report (:func:`agreement_report` with
``round``): exactly its sample's units and its coders, under the same
settings, so every round is computed the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from codebench.agreement.coefficient_registry import ALPHA, KRIPPENDORFF
from codebench.agreement.report import agreement_report
from codebench.reports.tables import Column, Table
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.project import Project

#: Version 2 added each round's ``recomputed`` and ``interval`` (additive: version 1's keys
#: keep their meaning).
SCHEMA = "codebench.trajectory/2"

#: The one "round" of a project with no rounds: the whole project as one design.
WHOLE_PROJECT: dict[str, Any] = {
    "number": 0,
    "name": "whole project",
    "label": "whole project (no rounds were recorded)",
    "sample": None,
    "transcripts": None,
    "coders": None,
    "codebook_version": None,
    "opened_by": None,
    "opened_at": None,
    "closed_by": None,
    "closed_at": None,
}


def trajectory(
    project: Project, *, rounds: Sequence[int | str] | None = None, **options: Any
) -> dict[str, Any]:
    """Every round's per-code alpha (value, interval, n, band), as plain data.

    ``options`` are :func:`agreement_report`'s (unit, codes, min_overlap,
    level, bootstrap, seed, ...); ``rounds`` limits it to some rounds.
    """
    from codebench.design.rounds import get_round
    from codebench.design.rounds import rounds as all_rounds

    chosen = [get_round(project, r) for r in rounds] if rounds else all_rounds(project)
    out_rounds: list[dict[str, Any]] = []
    codes: dict[str, dict[str, Any]] = {}
    settings: dict[str, Any] = {}
    # No rounds: the whole project is one design, reported as one "round" numbered 0.
    plan = [(r.number, r.as_json()) for r in chosen] or [(0, WHOLE_PROJECT)]
    for number, scope in plan:
        report = (
            agreement_report(project, round=number, **options)
            if number
            else agreement_report(project, **options)
        )
        settings = report["settings"]
        out_rounds.append(
            {
                **scope,
                "units": report["units"]["total"],
                "counted_in": report["units"]["counted_in"],
                "transcripts_compared": report["transcripts"]["compared"],
                "transcripts_excluded": report["transcripts"]["excluded"],
                "coders_compared": [c["name"] for c in report["coders"]],
                "units_by_raters": report["units"].get("by_raters", {}),
                "codings_by_codebook_version": report.get("round", {}).get(
                    "codings_by_codebook_version", {}
                ),
                "as_closed": (report.get("round", {}).get("frozen") or {}).get("closed_at"),
                # A closed round served live (closed before reports were frozen) says so.
                "recomputed": report.get("round", {}).get("live_note"),
                # Each round's own interval: a frozen round keeps the replicates and seed of
                # its close, which need not be this call's.
                "interval": {
                    k: report["settings"].get(k)
                    for k in ("bootstrap", "bootstrap_method", "seed", "ci_level")
                },
            }
        )
        for entry in report["codes"]:
            alpha = entry[ALPHA.key]
            item = codes.setdefault(
                entry["guid"],
                {
                    "number": entry["number"],
                    "name": entry["name"],
                    "guid": entry["guid"],
                    "rounds": [],
                },
            )
            item["rounds"].append(
                {
                    "round": number,
                    "value": alpha["value"],
                    "reason": alpha["reason"],
                    "n": alpha.get("n"),
                    "ci": alpha.get("ci"),
                    "band": KRIPPENDORFF.band(alpha["value"]),
                    "applied": entry["applied"],
                }
            )
    return {
        "schema": SCHEMA,
        "project": project.path.name,
        "coefficient": ALPHA.name,
        "threshold_rule": threshold_rule(),
        "settings": {k: v for k, v in settings.items() if k != "round"},
        "rounds": out_rounds,
        "no_rounds": not chosen,
        "codes": list(codes.values()),
    }


def threshold_rule() -> str:
    """The rule a code's alpha is judged by, in words (the scale every report uses)."""
    reliable, tentative = KRIPPENDORFF.bands[0], KRIPPENDORFF.bands[1]
    return (
        f"alpha >= {reliable.floor:.3f} {reliable.word}; {tentative.floor:.3f} <= alpha < "
        f"{reliable.floor:.3f} {tentative.word} (tentative conclusions only); below "
        f"{tentative.floor:.3f} {KRIPPENDORFF.bands[-1].word} ({KRIPPENDORFF.citation})"
    )


def _cell(item: dict[str, Any] | None) -> str | None:
    if item is None:
        return None
    if item["value"] is None:
        return f"undefined ({item['reason']}), n = {item['n']}"
    ci = item.get("ci")
    interval = f" [{ci['low']:.3f}, {ci['high']:.3f}]" if ci and ci.get("low") is not None else ""
    return f"{item['value']:.3f}{interval}, n = {item['n']}"


def reading_table(data: dict[str, Any]) -> Table:
    """One row per code, one column per round: ``alpha [CI], n = units`` (terminal and documents)."""
    from codebench.design.rounds import versions_note

    rounds = data["rounds"]
    columns = [Column("code", "Code")]
    columns += [Column(f"r{r['number']}", f"{r['label']} α [CI], n") for r in rounds]
    rows = []
    for code in data["codes"]:
        row: dict[str, Any] = {
            "code": f"{code['number']} {code['name']}" if code["number"] else code["name"]
        }
        by_round = {item["round"]: item for item in code["rounds"]}
        for r in rounds:
            row[f"r{r['number']}"] = _cell(by_round.get(r["number"]))
        rows.append(row)
    notes = [_round_note(r, versions_note(r["codings_by_codebook_version"])) for r in rounds]
    notes.append(
        f"Krippendorff's alpha per code; n is the units it stands on. {data['threshold_rule']}."
    )
    return Table("trajectory", "Agreement across rounds", columns, rows, keys=1, notes=notes)


def _round_note(r: dict[str, Any], mixed: str | None) -> str:
    """What one round's figures stand on (units, transcripts, coders, version), in one line."""
    compared = ", ".join(r["transcripts_compared"]) or "none"
    if not r["number"]:
        return (
            "Whole project: no reliability rounds were recorded, so the project is reported as "
            f"one design: {r['units']} {r['counted_in']} in "
            f"{plural(len(r['transcripts_compared']), 'transcript')} two or more coders rated ({compared}), coders "
            f"{', '.join(r['coders_compared'])}" + (f"; {mixed}." if mixed else ".")
        )
    frozen = f", as closed on {r['as_closed'][:10]}" if r.get("as_closed") else ""
    if r.get("closed_at") and not r.get("as_closed"):
        frozen = f", recomputed now (closed {r['closed_at'][:10]}; no frozen report)"
    return (
        f"{r['label']}{frozen}: {r['units']} {r['counted_in']} in "
        f"{len(r['transcripts_compared'])} of the {plural(len(r['transcripts']), 'transcript')} of sample "
        f"{r['sample']} ({compared} compared; a transcript is compared when two or more coders "
        f"rated it), coders {', '.join(r['coders_compared'])}, codebook version "
        f"{r['codebook_version']}"
        + (f"; {mixed}." if mixed else ".")
        + (f" {r['recomputed']}" if r.get("recomputed") else "")
    )


def data_table(data: dict[str, Any]) -> Table:
    """One row per code and round (CSV, XLSX): value, interval, n, band."""
    columns = [
        Column("number", "Number"),
        Column("name", "Name"),
        Column("round", "Round", "int"),
        Column("round_name", "Round name"),
        Column("alpha", "alpha", "float"),
        Column("ci_low", "CI low", "float"),
        Column("ci_high", "CI high", "float"),
        Column("n", "n", "int"),
        Column("band", "Band"),
        Column("reason", "Undefined because"),
    ]
    names = {r["number"]: r["name"] for r in data["rounds"]}
    rows = []
    for code in data["codes"]:
        for item in code["rounds"]:
            ci = item.get("ci") or {}
            rows.append(
                {
                    "number": code["number"],
                    "name": code["name"],
                    "round": item["round"],
                    "round_name": names.get(item["round"]),
                    "alpha": item["value"],
                    "ci_low": ci.get("low"),
                    "ci_high": ci.get("high"),
                    "n": item["n"],
                    "band": item["band"],
                    "reason": item["reason"],
                }
            )
    return Table("trajectory", "Agreement across rounds", columns, rows, keys=4)
