"""The agreement report as :class:`~codebench.reports.tables.Table`s, for the reports' writers.

Two forms, as for every report (see :mod:`codebench.reports.tables`):

- **data tables** (CSV, XLSX): one number per cell, headed by machine names
  (``alpha``, ``alpha_ci_low``, ``cohen_kappa_alice_bob``) so scripts can rely
  on them; the CSV is the first of them (one row per code);
- **reading tables** (Markdown, HTML, Word): what a person reads, an interval
  beside its value, each band word under a heading naming its coefficient and
  a note naming its scale.

Every coefficient column, heading, band and legend comes from
:mod:`.coefficient_registry`; nothing here names a coefficient.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from codebench.agreement import coefficient_registry as registry
from codebench.agreement.coefficient_registry import ALPHA, COHEN, KAPPA, Coefficient, Tone
from codebench.reports.tables import Column, Table
from codebench.wording import plural

#: Cell fills (XLSX) of a band word's tone.
FILLS: dict[Tone, str] = {
    "best": "C6EFCE",
    "good": "E2F0D9",
    "fair": "FFEB9C",
    "weak": "FCE4D6",
    "bad": "FFC7CE",
}
_COUNT = "int"
_NUMBER = "float"


def comparisons(report: dict[str, Any]) -> list[tuple[str | None, dict[str, Any]]]:
    """``(coder, report)`` per comparison: one ``(None, report)``, or one per coder vs the consensus."""
    if report.get("mode") == "against-consensus":
        return [(c["coders"][0]["name"], c) for c in report["comparisons"]]
    return [(None, report)]


def title(report: dict[str, Any]) -> str:
    """The report's title: the project, and the round when the report is a round's."""
    scope = report.get("round")
    where = f", {scope['label']}" if scope else ""
    return f"Inter-coder agreement: {report['project']}{where}"


def _value(item: dict[str, Any] | None, key: str = "value") -> Any:
    return None if item is None else item.get(key)


def _code(entry: dict[str, Any]) -> str:
    return f"{entry['number'] or ''} {entry['name']}".strip()


def _table(
    name: str,
    title_: str,
    rows: list[dict[str, Any]],
    kinds: dict[str, str],
    *,
    order: list[str] | None = None,
    keys: int = 1,
) -> Table:
    """A data table headed by its column keys: ``order``, or the row keys as they first appear."""
    if order is None:
        order = []
        for row in rows:
            order.extend(k for k in row if k not in order and not k.startswith("_"))
    columns = [Column(k, k, kinds.get(k, _NUMBER)) for k in order]
    return Table(name, title_, columns, rows, keys=keys)


# ---------------------------------------------------------------------- data tables
def coefficient_cells(entry: dict[str, Any], kinds: dict[str, str]) -> dict[str, Any]:
    """The flat coefficient columns of one code entry (or pooled figures), in declaration order.

    ``alpha``, ``alpha_ci_low``, ``alpha_ci_high``, ``krippendorff_band``,
    ``kappa_statistic``, ``kappa``, ...; ``kinds`` learns each column's kind.
    """
    cells: dict[str, Any] = {}
    for c in registry.per_code():
        item = entry.get(c.key)
        if item is None:
            continue
        if c.headline:
            cells[f"{c.column}_statistic"] = item.get("statistic")
            kinds[f"{c.column}_statistic"] = "text"
        cells[c.column] = _value(item)
        if "n" in item:
            cells[f"{c.column}_n"] = item["n"]
            kinds[f"{c.column}_n"] = _COUNT
        if c.interval and "ci" in item:
            cells[f"{c.column}_ci_low"] = _value(item.get("ci"), "low")
            cells[f"{c.column}_ci_high"] = _value(item.get("ci"), "high")
        if c.scale is not None and "bands" in entry:
            cells[c.scale.column] = entry["bands"].get(c.scale.key)
            kinds[c.scale.column] = "text"
    return cells


def _fills(entry: dict[str, Any]) -> dict[str, str]:
    """XLSX fills: each scaled coefficient's cell in the colour of its band."""
    out = {}
    for c in registry.scaled():
        assert c.scale is not None
        tone = c.scale.tone(entry.get("bands", {}).get(c.scale.key))
        if tone is not None:
            out[c.column] = FILLS[tone]
    return out


def codes_data(report: dict[str, Any]) -> Table:
    """One row per code (per compared coder too, against the consensus): the CSV."""
    kinds = {"coder": "text", "consensus": "text", "number": "text", "name": "text"}
    kinds.update({k: _COUNT for k in ("units", "pairable_units", "applied", "disagreements")})
    rows: list[dict[str, Any]] = []
    for coder, rep in comparisons(report):
        names = [c["name"] for c in rep["coders"]]
        for entry in rep["codes"]:
            row: dict[str, Any] = {}
            if report.get("round"):
                row["round"] = report["round"]["label"]
                kinds["round"] = "text"
            if coder is not None:
                row["coder"] = coder
                row["consensus"] = report["consensus"]
            row.update(
                {
                    "number": entry["number"],
                    "name": entry["name"],
                    "units": entry["units"],
                    "pairable_units": entry["pairable_units"],
                    "applied": entry["applied"],
                    "prevalence": entry["prevalence"],
                    "disagreements": entry["disagreements"],
                }
            )
            row.update(coefficient_cells(entry, kinds))
            if "headline" in entry:
                row["headline"] = entry["headline"]["key"]
                kinds["headline"] = "text"
            for c in registry.pairwise():
                for pair in entry[c.key]:
                    row[f"{c.column}_{pair['coders'][0]}_{pair['coders'][1]}"] = pair["value"]
                    if "n" in pair:
                        column = f"{c.column}_{pair['coders'][0]}_{pair['coders'][1]}_n"
                        row[column] = pair["n"]
                        kinds[column] = _COUNT
            for n in names:
                row[f"applied_by_{n}"] = entry["applied_by_coder"][n]
                kinds[f"applied_by_{n}"] = _COUNT
            row["undefined"] = "; ".join(
                f"{c.key}: {entry[c.key]['reason']}"
                for c in registry.per_code()
                if entry[c.key]["value"] is None
            )
            if "unitizing" in rep:
                row.update(_unitizing_cells(rep, entry, kinds))
            row["diagnostics"] = " | ".join(entry["diagnostics"])
            # How the units were rated and coded, on every row so a filtered sheet keeps it.
            row["design"] = rep["settings"].get("design")
            row["overlap_rule"] = rep["settings"].get("overlap_rule")
            if rep["settings"].get("unit_label"):
                row["unit_label"] = rep["settings"]["unit_label"]
                kinds["unit_label"] = "text"
            row["_fill"] = _fills(entry)
            rows.append(row)
    kinds.update(undefined="text", diagnostics="text", design="text", overlap_rule="text")
    keys = (4 if report.get("mode") == "against-consensus" else 2) + bool(report.get("round"))
    return _table("codes", title(report), rows, kinds, keys=keys)


def _unitizing_cells(
    rep: dict[str, Any], entry: dict[str, Any], kinds: dict[str, str]
) -> dict[str, Any]:
    """A code's unitizing alpha columns (character units): uα, uDo, uDe, units per coder."""
    found = next((u for u in rep["unitizing"]["codes"] if u["guid"] == entry["guid"]), None)
    if found is None:
        return {}
    item = found["alpha_u"]
    cells: dict[str, Any] = {
        "alpha_u": item["value"],
        "alpha_u_observed": item["observed"],
        "alpha_u_expected": item["expected"],
        "alpha_u_length": item.get("length"),
    }
    kinds["alpha_u_length"] = _COUNT
    for name, n in (item.get("units_by_coder") or {}).items():
        cells[f"alpha_u_units_{name}"] = n
        kinds[f"alpha_u_units_{name}"] = _COUNT
    for pair in found.get("pairs", []):
        cells[f"alpha_u_{pair['coders'][0]}_{pair['coders'][1]}"] = pair["value"]
    return cells


def _unitizing_rows(rep: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of the unitizing table: one per code, then all codes (uα) and anything coded (|uα)."""
    section = rep["unitizing"]
    every = "all"
    items: list[tuple[str, str, dict[str, Any]]] = []
    for u in section["codes"]:
        items.append((_code(u), every, u["alpha_u"]))
        items += [(_code(u), " × ".join(p["coders"]), p) for p in u.get("pairs", [])]
    items += [
        ("All codes (uα)", every, section["overall"]["alpha_u"]),
        ("Anything coded (|uα)", every, section["overall"]["binary"]),
    ]
    if "coding" in section["overall"]:
        items.append(("Codes of the text both coded (|cuα)", every, section["overall"]["coding"]))
    return [
        {
            "code": label,
            "coders": coders,
            "alpha_u": item["value"],
            "ci_low": (item.get("ci") or {}).get("low"),
            "ci_high": (item.get("ci") or {}).get("high"),
            "observed": item.get("observed"),
            "expected": item.get("expected"),
            "length": item.get("length"),
            "units_by_coder": " / ".join(
                f"{k} {v}" for k, v in (item.get("units_by_coder") or {}).items()
            ),
            "sections_by_coder": " / ".join(
                f"{k} {v}" for k, v in (item.get("sections_by_coder") or {}).items()
            ),
            "undefined": item["reason"] or "",
        }
        for label, coders, item in items
    ]


def unitizing_reading(rep: dict[str, Any], heading: str = "Unitizing alpha (uα)") -> Table:
    """Krippendorff's unitizing alpha for the reading formats, with its definition and n."""
    continuum = rep["unitizing"]["continuum"]
    rows = []
    for r in _unitizing_rows(rep):
        rows.append(
            {
                **r,
                "alpha_u": _number(r["alpha_u"]),
                "ci": None
                if r["ci_low"] is None
                else f"[{_number(r['ci_low'])}, {_number(r['ci_high'])}]",
                "observed": None if r["observed"] is None else f"{r['observed']:.3g}",
                "expected": None if r["expected"] is None else f"{r['expected']:.3g}",
            }
        )
    columns = [
        Column("code", "Code"),
        Column("coders", "Coders"),
        Column("alpha_u", "uα", _NUMBER),
        Column("ci", "CI"),
        Column("observed", "uDo", _NUMBER),
        Column("expected", "uDe", _NUMBER),
        Column("units_by_coder", "Units per coder"),
        Column("sections_by_coder", "Sections per coder"),
        Column("undefined", "Undefined because"),
    ]
    notes = [
        rep["unitizing"]["definition"],
        f"Continuum: {plural(continuum['length'], 'character')} in "
        f"{plural(len(continuum['transcripts']), 'transcript')}.",
        *[f"Left out of uα: {x['transcript']} ({x['reason']})." for x in continuum["left_out"]],
    ]
    if "interval_rule" in rep["unitizing"]:
        notes.append(
            f"CI: {rep['unitizing']['interval_rule']}; n = {len(continuum['transcripts'])} "
            f"continua, {plural(continuum['length'], 'character')}."
        )
    return Table("unitizing", heading, columns, rows, keys=2, notes=notes)


def data_tables(report: dict[str, Any]) -> list[Table]:
    """Every sheet of the workbook: codes, overall, transcripts, pairs, confusions, diagnostics, settings."""
    lead = report.get("mode") == "against-consensus"
    text = {"coder": "text", "figure": "text", "transcript": "text", "coders": "text"}
    text.update({"code_a": "text", "code_b": "text", "code": "text", "message": "text"})
    counts = {"units": _COUNT, "codes": _COUNT}
    overall, transcripts, pairs, confusions, diagnostics = [], [], [], [], []
    unitizing: list[dict[str, Any]] = []
    for coder, rep in comparisons(report):
        tag = {"coder": coder} if coder is not None else {}
        if "unitizing" in rep:
            unitizing += [{**tag, **r} for r in _unitizing_rows(rep)]
        o = rep["overall"]
        for label, src in (
            ("macro mean over codes", o["macro"]),
            ("pooled decisions", o["pooled"]),
        ):
            cells = {c.column: _value(src.get(c.key)) for c in registry.per_code()}
            overall.append({**tag, "figure": label, "codes": o["pooled"]["codes"], **cells})
        for distance in ("masi", "jaccard"):
            label = f"set alpha ({distance.upper() if distance == 'masi' else distance.title()})"
            overall.append(
                {**tag, "figure": label, ALPHA.column: o["set_alpha"][distance]["value"]}
            )
        for r in rep["per_transcript"]:
            transcripts.append(
                {
                    **tag,
                    "transcript": r["transcript"],
                    "units": r["units"],
                    "codes": r["pooled_codes"],
                    **{c.column: _value(r[c.key]) for c in registry.TRANSCRIPT_COEFFICIENTS},
                    "macro_alpha": r["macro_alpha"]["value"],
                    "set_alpha_masi": r["set_alpha_masi"]["value"],
                }
            )
        for r in rep["per_pair"]:
            pairs.append(
                {
                    **tag,
                    "coders": " x ".join(r["coders"]),
                    "units": r["units"],
                    "codes": r["pooled_codes"],
                    **{c.column: _value(r[c.key]) for c in registry.PAIR_COEFFICIENTS},
                    "macro_kappa": r["macro_kappa"]["value"],
                    "set_alpha_masi": r["set_alpha_masi"]["value"],
                }
            )
        for i in rep["confusions"]:
            confusions.append(
                {
                    **tag,
                    "code_a": _code(i["code_a"]),
                    "code_b": _code(i["code_b"]),
                    "units": i.get("distinct_units", i["units"]),
                    "pair_instances": i["units"],
                }
            )
        for note in rep["notes"] + o["diagnostics"]:
            diagnostics.append({**tag, "code": "overall", "message": note})
        for entry in rep["codes"]:
            for note in entry["diagnostics"]:
                diagnostics.append(
                    {**tag, "code": entry["number"] or entry["name"], "message": note}
                )
    kinds = {**text, **counts}
    lead_columns = ["coder"] if lead else []
    overall_order = [*lead_columns, "figure", "codes", *[c.column for c in registry.per_code()]]
    transcript_order = [*lead_columns, "transcript", "units", "codes"]
    transcript_order += [c.column for c in registry.TRANSCRIPT_COEFFICIENTS]
    pair_order = [*lead_columns, "coders", "units", "codes"]
    pair_order += [c.column for c in registry.PAIR_COEFFICIENTS]
    first = len(lead_columns) + 1
    return [
        codes_data(report),
        _table("overall", "Overall", overall, kinds, order=overall_order, keys=first),
        _table(
            "transcripts",
            "Per transcript",
            transcripts,
            kinds,
            order=[*transcript_order, "macro_alpha", "set_alpha_masi"],
            keys=first,
        ),
        _table(
            "pairs",
            "Per coder pair",
            pairs,
            kinds,
            order=[*pair_order, "macro_kappa", "set_alpha_masi"],
            keys=first,
        ),
        _table(
            "confusions",
            "Most confused codes",
            confusions,
            kinds,
            order=[*lead_columns, "code_a", "code_b", "units", "pair_instances"],
            keys=first + 1,
        ),
        _table(
            "diagnostics",
            "Diagnostics",
            diagnostics,
            kinds,
            order=[*lead_columns, "code", "message"],
            keys=first,
        ),
        *(
            [
                _table(
                    "unitizing",
                    "Unitizing alpha",
                    unitizing,
                    {**kinds, "length": _COUNT, "units_by_coder": "text"}
                    | {"sections_by_coder": "text", "undefined": "text"},
                    keys=first + 1,
                )
            ]
            if unitizing
            else []
        ),
        *[
            disagreements_table(rep, f"{coder}: " if coder else "")
            for coder, rep in comparisons(report)
            if rep.get("disagreements", {}).get("listed")
        ],
        settings_table(report),
    ]


def settings_table(report: dict[str, Any]) -> Table:
    """How the report was computed, what each column means, and the scale of each band column."""
    found = comparisons(report)
    settings = found[0][1]["settings"] if found else {}
    rows = [
        {"setting": k, "value": json.dumps(v) if isinstance(v, (list, dict)) else v}
        for k, v in settings.items()
    ]
    rows.append({"setting": "schema", "value": report["schema"]})
    rows += [{"setting": c.column, "value": c.name} for c in registry.coefficients()]
    rows += [
        {"setting": c.scale.column, "value": f"{c.column} band, {c.scale.legend()}"}
        for c in registry.scaled()
        if c.scale is not None
    ]
    kinds = {"setting": "text", "value": "text"}
    return _table("settings", "Settings", rows, kinds, order=["setting", "value"])


# ---------------------------------------------------------------------- reading tables
def _number(value: float | None, digits: int = 3) -> str | None:
    return None if value is None else f"{value:.{digits}f}"


def _shown(c: Coefficient, item: dict[str, Any] | None, digits: int = 3) -> str | None:
    """A coefficient as people read it: a percentage or a value, with its interval if any."""
    value = _value(item)
    if value is None:
        return None
    text = f"{value * 100:.1f}" if c.percent else f"{value:.{digits}f}"
    ci = item.get("ci") if item else None
    return text + (f" [{ci['low']:.2f}, {ci['high']:.2f}]" if ci else "")


def legend_notes() -> list[str]:
    """The scale of every band column, then what each short heading stands for."""
    return [f"{line}." for line in registry.legend()] + ["Columns: " + registry.glossary() + "."]


def _settings_note(rep: dict[str, Any]) -> str:
    s = rep["settings"]
    coders = ", ".join(c["name"] for c in rep["coders"])
    units = rep["units"]
    line = (
        f"Coders: {coders}. Unit: {s['unit']} ({units['total']} {units['counted_in']} in "
        f"{plural(len(rep['transcripts']['compared']), 'transcript')}). "
    )
    if s.get("overlap_rule"):
        line += s["overlap_rule"] + " "
    if s.get("hierarchy"):
        line += s["hierarchy"] + " "
    if s["bootstrap"]:
        method = s.get("bootstrap_method") or f"bootstrap: {s['bootstrap']} replicates"
        line += (
            f"{int(s['ci_level'] * 100)}% percentile intervals, {method}"
            + (f" (seed {s['seed']})" if s["seed"] is not None else "")
            + "."
        )
    else:
        line += "No bootstrap."
    return line


def codes_reading(rep: dict[str, Any], heading: str = "Agreement per code") -> Table:
    """Per code: units, prevalence, every per-code coefficient and the band of each scaled one."""
    if rep["settings"].get("unit_label"):
        heading = heading.replace(
            "Agreement per code", f"Per code, {rep['settings']['unit_label']}"
        )
    columns = [
        Column("code", "Code"),
        Column("units", "Units", _COUNT),
        Column("prevalence", "Prevalence", _NUMBER),
    ]
    for c in registry.per_code():
        columns.append(Column(c.key, c.label, _NUMBER))
        if c.scale is not None:
            columns.append(Column(c.scale.key, f"{c.label} band"))
    columns.append(Column("disagreements", "Disagreements", _COUNT))
    columns.append(Column("headline", "Headline"))
    rows = []
    for entry in rep["codes"]:
        row: dict[str, Any] = {
            "code": _code(entry),
            "units": entry["pairable_units"],
            "prevalence": None if entry["prevalence"] is None else f"{entry['prevalence']:.1%}",
            "disagreements": entry["disagreements"],
        }
        for c in registry.per_code():
            row[c.key] = _shown(c, entry[c.key])
            n = entry[c.key].get("n")
            if row[c.key] is not None and n is not None and n != entry["pairable_units"]:
                row[c.key] += f" (n = {n})"  # a coefficient on other units than the row's
            if c.scale is not None:
                row[c.scale.key] = entry["bands"][c.scale.key] or "undefined"
        lead = entry.get("headline")
        row["headline"] = f"{lead['label']} (n = {lead['n']})" if lead else None
        rows.append(row)
    notes = [_settings_note(rep), *legend_notes()]
    notes.append(
        "Units: those rated by two or more coders; a coefficient on other units shows its own n."
    )
    if KAPPA in registry.per_code():
        notes.append(f"{KAPPA.label} here is {registry.headline_of(len(rep['coders'])).name}.")
    return Table("codes", heading, columns, rows, keys=1, notes=notes)


def _reading(
    name: str,
    heading: str,
    lead: list[Column],
    coefficients: list[Coefficient] | tuple[Coefficient, ...],
    tail: list[Column],
    rows_in: list[dict[str, Any]],
    cells: Callable[[dict[str, Any]], dict[str, Any]],
    notes: list[str] | None = None,
) -> Table:
    """``lead`` columns, one column per coefficient (from each row's estimates), ``tail`` columns.

    ``cells`` gives a row's ``lead`` and ``tail`` cells.
    """
    columns = [*lead, *[Column(c.key, c.label, _NUMBER) for c in coefficients], *tail]
    rows = [{**cells(r), **{c.key: _shown(c, r.get(c.key)) for c in coefficients}} for r in rows_in]
    return Table(name, heading, columns, rows, keys=len(lead), notes=list(notes or []))


def _overall_reading(rep: dict[str, Any], heading: str) -> Table:
    o = rep["overall"]
    sets = o["set_alpha"]
    figures = [
        (
            "Macro mean over codes",
            o["macro"],
            f"{o['macro'][ALPHA.key]['codes']}/{plural(o['pooled']['codes'], 'used code')}",
        ),
        (
            "Pooled code × unit decisions",
            o["pooled"],
            f"{plural(o['pooled']['decisions'], 'decision')}, {plural(o['pooled']['codes'], 'used code')}",
        ),
    ]
    set_note = (
        f"Set-valued {ALPHA.label} over the whole codebook: MASI "
        f"{_number(sets['masi']['value']) or '–'}, Jaccard {_number(sets['jaccard']['value']) or '–'}."
    )
    return _reading(
        "overall",
        heading,
        [Column("figure", "")],
        registry.per_code(),
        [Column("basis", "Over")],
        [{"figure": label, "basis": basis, **src} for label, src, basis in figures],
        lambda r: {"figure": r["figure"], "basis": r["basis"]},
        notes=[set_note],
    )


def _set_tail(macro: str, label: str) -> list[Column]:
    return [
        Column(macro, label, _NUMBER),
        Column("set_alpha_masi", f"Set {ALPHA.label} (MASI)", _NUMBER),
    ]


def _tail_cells(r: dict[str, Any], macro: str) -> dict[str, Any]:
    return {
        macro: _number(r[macro]["value"]),
        "set_alpha_masi": _number(r["set_alpha_masi"]["value"]),
    }


def disagreements_table(rep: dict[str, Any], prefix: str = "") -> Table:
    """A round's disagreements: the code, where, the text, who applied it and who did not."""
    found = rep["disagreements"]
    return Table(
        "disagreements",
        prefix + f"Disagreements in {rep['round']['label']} ({found['total']})",
        [
            Column("code", "Code"),
            Column("transcript", "Transcript"),
            Column("segment", "Segment", _COUNT),
            Column("text", "Text"),
            Column("applied_by", "Applied by"),
            Column("not_applied_by", "Not by"),
        ],
        [
            {
                "code": _code(d),
                "transcript": d["transcript"],
                "segment": d["segment"],
                "text": d["text"],
                "applied_by": ", ".join(d["applied_by"]),
                "not_applied_by": ", ".join(d["not_applied_by"]),
            }
            for d in found["listed"]
        ],
        keys=3,
        notes=[found["note"]] if found.get("note") else [],
    )


def reading_tables(report: dict[str, Any]) -> list[Table]:
    """The tables of the Markdown, HTML and Word report, one set per comparison."""
    out: list[Table] = []
    for coder, rep in comparisons(report):
        prefix = f"{coder} vs {report['consensus']} (consensus): " if coder is not None else ""
        out.append(codes_reading(rep, prefix + "Agreement per code"))
        out.append(_overall_reading(rep, prefix + "Overall"))
        if "unitizing" in rep:
            out.append(unitizing_reading(rep, prefix + "Unitizing alpha (uα)"))
        if rep["per_transcript"]:
            out.append(
                _reading(
                    "transcripts",
                    prefix + "Per transcript (pooled over codes)",
                    [
                        Column("transcript", "Transcript"),
                        Column("units", "Units", _COUNT),
                        Column("pooled_codes", "Codes", _COUNT),
                    ],
                    registry.TRANSCRIPT_COEFFICIENTS,
                    _set_tail("macro_alpha", f"{ALPHA.label} macro"),
                    rep["per_transcript"],
                    lambda r: {
                        "transcript": r["transcript"],
                        "units": r["units"],
                        "pooled_codes": r["pooled_codes"],
                        **_tail_cells(r, "macro_alpha"),
                    },
                )
            )
        if rep["per_pair"]:
            out.append(
                _reading(
                    "pairs",
                    prefix + "Per coder pair (pooled over codes)",
                    [
                        Column("coders", "Coders"),
                        Column("units", "Units", _COUNT),
                        Column("pooled_codes", "Codes", _COUNT),
                    ],
                    registry.PAIR_COEFFICIENTS,
                    _set_tail("macro_kappa", f"{COHEN.label} macro"),
                    rep["per_pair"],
                    lambda r: {
                        "coders": " × ".join(r["coders"]),
                        "units": r["units"],
                        "pooled_codes": r["pooled_codes"],
                        **_tail_cells(r, "macro_kappa"),
                    },
                )
            )
        if rep["confusions"]:
            out.append(
                Table(
                    "confusions",
                    prefix + "Most confused codes",
                    [
                        Column("code_a", "Code A"),
                        Column("code_b", "Code B"),
                        Column("units", "Units", _COUNT),
                        Column("pair_instances", "Unit × coder pair", _COUNT),
                    ],
                    [
                        {
                            "code_a": _code(i["code_a"]),
                            "code_b": _code(i["code_b"]),
                            "units": i.get("distinct_units", i["units"]),
                            "pair_instances": i["units"],
                        }
                        for i in rep["confusions"]
                    ],
                    keys=2,
                    notes=[rep["confusions_rule"]] if rep.get("confusions_rule") else [],
                )
            )
        if rep.get("disagreements", {}).get("listed"):
            out.append(disagreements_table(rep, prefix))
        notes = [("overall", n) for n in [*rep["notes"], *rep["overall"]["diagnostics"]]]
        notes += [
            (c["number"] or c["name"], d)
            for c in rep["codes"]
            if c["applied"]
            for d in c["diagnostics"]
        ]
        if notes:
            out.append(
                Table(
                    "diagnostics",
                    prefix + "Diagnostics",
                    [Column("where", "Where"), Column("message", "Message")],
                    [{"where": w, "message": m} for w, m in notes],
                    keys=1,
                )
            )
    return out
