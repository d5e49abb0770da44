"""The agreement report as JSON, CSV, Markdown and Excel (plain functions, no UI).

* JSON: the report dict itself (schema in docs/agreement.md).
* CSV: one row per code (and per compared coder in against-consensus mode).
* Markdown: the tables of the terminal output, for pasting into a paper draft.
* XLSX: one sheet each for codes, overall, transcripts, pairs, confusions,
  diagnostics and settings (openpyxl, imported lazily).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _comparisons(report: dict[str, Any]) -> list[tuple[str | None, dict[str, Any]]]:
    if report.get("mode") == "against-consensus":
        return [(c["coders"][0]["name"], c) for c in report["comparisons"]]
    return [(None, report)]


def _v(item: dict[str, Any] | None, key: str = "value") -> Any:
    return None if item is None else item.get(key)


def code_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Flat per-code rows (CSV, the XLSX "Codes" sheet)."""
    rows: list[dict[str, Any]] = []
    for coder, rep in _comparisons(report):
        names = [c["name"] for c in rep["coders"]]
        for c in rep["codes"]:
            alpha, kappa = c["krippendorff_alpha"], c["kappa"]
            row: dict[str, Any] = {}
            if coder is not None:
                row["coder"] = coder
                row["consensus"] = report["consensus"]
            row.update(
                {
                    "number": c["number"],
                    "name": c["name"],
                    "units": c["units"],
                    "pairable_units": c["pairable_units"],
                    "applied": c["applied"],
                    "prevalence": c["prevalence"],
                    "disagreements": c["disagreements"],
                    "percent_agreement": _v(c["percent_agreement"]),
                    "alpha": _v(alpha),
                    "alpha_ci_low": _v(alpha.get("ci"), "low"),
                    "alpha_ci_high": _v(alpha.get("ci"), "high"),
                    "krippendorff_band": c["bands"]["krippendorff"],
                    "kappa_statistic": kappa["statistic"],
                    "kappa": _v(kappa),
                    "kappa_ci_low": _v(kappa.get("ci"), "low"),
                    "kappa_ci_high": _v(kappa.get("ci"), "high"),
                    "landis_koch": c["bands"]["landis_koch"],
                    "fleiss_kappa": _v(c["fleiss_kappa"]),
                    "gwet_ac1": _v(c["gwet_ac1"]),
                    "brennan_prediger": _v(c["brennan_prediger"]),
                }
            )
            for pair in c["cohen_kappa"]:
                row[f"cohen_kappa_{pair['coders'][0]}_{pair['coders'][1]}"] = pair["value"]
            for n in names:
                row[f"applied_by_{n}"] = c["applied_by_coder"][n]
            undefined = [
                f"{key}: {c[key]['reason']}"
                for key in (
                    "percent_agreement",
                    "krippendorff_alpha",
                    "kappa",
                    "fleiss_kappa",
                    "gwet_ac1",
                    "brennan_prediger",
                )
                if c[key]["value"] is None
            ]
            row["undefined"] = "; ".join(undefined)
            row["diagnostics"] = " | ".join(c["diagnostics"])
            rows.append(row)
    return rows


def to_csv(report: dict[str, Any]) -> str:
    rows = code_rows(report)
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row[k] for k in columns})
    return buffer.getvalue()


def _f(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _ci(item: dict[str, Any]) -> str:
    ci = item.get("ci")
    return f" [{ci['low']:.2f}, {ci['high']:.2f}]" if ci else ""


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    def esc(cell: str) -> str:
        return str(cell).replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(esc(h) for h in header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _md_one(rep: dict[str, Any], heading: str) -> str:
    s = rep["settings"]
    coders = ", ".join(c["name"] for c in rep["coders"])
    out = [f"## {heading}\n"]
    out.append(
        f"Coders: {coders}. Unit: {s['unit']} ({rep['units']['total']} {rep['units']['counted_in']} in "
        f"{len(rep['transcripts']['compared'])} transcripts). "
        + (
            f"{int(s['ci_level'] * 100)}% percentile bootstrap intervals from {s['bootstrap']} resamples of units"
            + (f" (seed {s['seed']})" if s["seed"] is not None else "")
            + "."
            if s["bootstrap"]
            else "No bootstrap."
        )
        + "\n"
    )
    kappa_name = "Cohen's κ" if len(rep["coders"]) == 2 else "Fleiss' κ"
    rows = []
    for c in rep["codes"]:
        pa = c["percent_agreement"]["value"]
        rows.append(
            [
                f"{c['number'] or ''} {c['name']}".strip(),
                str(c["pairable_units"]),
                "–" if c["prevalence"] is None else f"{c['prevalence']:.1%}",
                "–" if pa is None else f"{pa * 100:.1f}",
                _f(c["krippendorff_alpha"]["value"]) + _ci(c["krippendorff_alpha"]),
                c["bands"]["krippendorff"] or "undefined",
                _f(c["kappa"]["value"]) + _ci(c["kappa"]),
                c["bands"]["landis_koch"] or "undefined",
                _f(c["gwet_ac1"]["value"]),
                _f(c["brennan_prediger"]["value"]),
                str(c["disagreements"]),
            ]
        )
    out.append(
        _md_table(
            [
                "Code",
                "Units",
                "Prevalence",
                "Agree %",
                "Krippendorff's α",
                "α band",
                kappa_name,
                "Landis–Koch",
                "AC1",
                "BP",
                "Disagreements",
            ],
            rows,
        )
    )
    o = rep["overall"]
    orow = []
    for label, src in (
        ("Macro mean over codes", o["macro"]),
        ("Pooled code × unit decisions", o["pooled"]),
    ):
        pa = src["percent_agreement"]["value"]
        orow.append(
            [
                label,
                "–" if pa is None else f"{pa * 100:.1f}",
                _f(src["krippendorff_alpha"]["value"]),
                _f(src["kappa"]["value"]),
                _f(src["gwet_ac1"]["value"]),
                _f(src["brennan_prediger"]["value"]),
            ]
        )
    out.append("\n### Overall\n\n" + _md_table(["", "Agree %", "α", "κ", "AC1", "BP"], orow))
    out.append(
        f"\nSet-valued α over the whole codebook: MASI {_f(o['set_alpha']['masi']['value'])}, "
        f"Jaccard {_f(o['set_alpha']['jaccard']['value'])}.\n"
    )
    if rep["per_transcript"]:
        out.append(
            "\n### Per transcript\n\n"
            + _md_table(
                ["Transcript", "Units", "α pooled", "κ pooled", "α macro", "Set α (MASI)"],
                [
                    [
                        r["transcript"],
                        str(r["units"]),
                        _f(r["krippendorff_alpha"]["value"]),
                        _f(r["kappa"]["value"]),
                        _f(r["macro_alpha"]["value"]),
                        _f(r["set_alpha_masi"]["value"]),
                    ]
                    for r in rep["per_transcript"]
                ],
            )
        )
    if rep["per_pair"]:
        out.append(
            "\n### Per coder pair\n\n"
            + _md_table(
                ["Coders", "Units", "κ pooled", "α pooled", "κ macro", "Set α (MASI)"],
                [
                    [
                        " × ".join(r["coders"]),
                        str(r["units"]),
                        _f(r["cohen_kappa"]["value"]),
                        _f(r["krippendorff_alpha"]["value"]),
                        _f(r["macro_kappa"]["value"]),
                        _f(r["set_alpha_masi"]["value"]),
                    ]
                    for r in rep["per_pair"]
                ],
            )
        )
    if rep["confusions"]:
        out.append(
            "\n### Most confused codes\n\n"
            + _md_table(
                ["Code A", "Code B", "Units"],
                [
                    [
                        f"{i['code_a']['number'] or ''} {i['code_a']['name']}".strip(),
                        f"{i['code_b']['number'] or ''} {i['code_b']['name']}".strip(),
                        str(i["units"]),
                    ]
                    for i in rep["confusions"]
                ],
            )
        )
    diag = list(rep["notes"]) + list(o["diagnostics"])
    diag += [
        f"{c['number'] or c['name']}: {d}"
        for c in rep["codes"]
        if c["applied"]
        for d in c["diagnostics"]
    ]
    if diag:
        out.append("\n### Diagnostics\n\n" + "".join(f"- {d}\n" for d in diag))
    out.append(
        "\nα bands (Krippendorff 2004): ≥ 0.800 reliable; 0.667–0.800 tentative conclusions only; < 0.667 unreliable. "
        "κ labels: Landis & Koch (1977).\n"
    )
    return "\n".join(out)


def to_markdown(report: dict[str, Any]) -> str:
    title = f"# Inter-coder agreement: {report['project']}\n\n"
    if report.get("mode") == "against-consensus":
        return title + "\n".join(
            _md_one(rep, f"{coder} vs {report['consensus']} (consensus)")
            for coder, rep in _comparisons(report)
        )
    return title + _md_one(report, "Agreement per code")


def to_xlsx(report: dict[str, Any]) -> bytes:
    """An Excel workbook of the report (needs openpyxl)."""
    try:
        from openpyxl import Workbook  # type: ignore[import-untyped]
        from openpyxl.styles import Font, PatternFill  # type: ignore[import-untyped]
    except ImportError as error:  # pragma: no cover - openpyxl is a dependency
        from codebench.errors import CodebenchError

        raise CodebenchError("--format xlsx needs openpyxl (pip install openpyxl)") from error

    fills = {
        "reliable": PatternFill("solid", fgColor="C6EFCE"),
        "tentative": PatternFill("solid", fgColor="FFEB9C"),
        "unreliable": PatternFill("solid", fgColor="FFC7CE"),
    }
    book = Workbook()
    sheet = book.active
    sheet.title = "Codes"
    rows = code_rows(report)
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    band_col = columns.index("krippendorff_band") + 1 if "krippendorff_band" in columns else None
    alpha_col = columns.index("alpha") + 1 if "alpha" in columns else None
    for row in rows:
        sheet.append([row.get(k) for k in columns])
        if band_col and alpha_col and row.get("krippendorff_band") in fills:
            sheet.cell(sheet.max_row, alpha_col).fill = fills[row["krippendorff_band"]]
    sheet.freeze_panes = "C2"

    def add(title: str, header: list[str], body: list[list[Any]]) -> None:
        ws = book.create_sheet(title)
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r in body:
            ws.append(r)

    overall, transcripts, pairs, confusions, diagnostics = [], [], [], [], []
    for coder, rep in _comparisons(report):
        tag = [coder] if coder is not None else []
        o = rep["overall"]
        for label, src in (
            ("macro mean over codes", o["macro"]),
            ("pooled decisions", o["pooled"]),
        ):
            overall.append(
                tag
                + [label]
                + [
                    src[k]["value"]
                    for k in (
                        "percent_agreement",
                        "krippendorff_alpha",
                        "kappa",
                        "gwet_ac1",
                        "brennan_prediger",
                    )
                ]
            )
        overall.append(
            tag + ["set alpha (MASI)", None, o["set_alpha"]["masi"]["value"], None, None, None]
        )
        overall.append(
            tag
            + ["set alpha (Jaccard)", None, o["set_alpha"]["jaccard"]["value"], None, None, None]
        )
        for r in rep["per_transcript"]:
            transcripts.append(
                tag
                + [
                    r["transcript"],
                    r["units"],
                    r["percent_agreement"]["value"],
                    r["krippendorff_alpha"]["value"],
                    r["kappa"]["value"],
                    r["gwet_ac1"]["value"],
                    r["macro_alpha"]["value"],
                    r["set_alpha_masi"]["value"],
                ]
            )
        for r in rep["per_pair"]:
            pairs.append(
                tag
                + [
                    " x ".join(r["coders"]),
                    r["units"],
                    r["percent_agreement"]["value"],
                    r["cohen_kappa"]["value"],
                    r["krippendorff_alpha"]["value"],
                    r["macro_kappa"]["value"],
                    r["set_alpha_masi"]["value"],
                ]
            )
        for i in rep["confusions"]:
            confusions.append(
                tag
                + [
                    f"{i['code_a']['number'] or ''} {i['code_a']['name']}".strip(),
                    f"{i['code_b']['number'] or ''} {i['code_b']['name']}".strip(),
                    i["units"],
                ]
            )
        for note in rep["notes"] + rep["overall"]["diagnostics"]:
            diagnostics.append(tag + ["overall", note])
        for c in rep["codes"]:
            for note in c["diagnostics"]:
                diagnostics.append(tag + [c["number"] or c["name"], note])
    lead = ["coder"] if report.get("mode") == "against-consensus" else []
    add("Overall", lead + ["", "percent agreement", "alpha", "kappa", "AC1", "BP"], overall)
    add(
        "Transcripts",
        lead
        + [
            "transcript",
            "units",
            "percent agreement",
            "alpha pooled",
            "kappa pooled",
            "AC1",
            "alpha macro",
            "set alpha MASI",
        ],
        transcripts,
    )
    add(
        "Pairs",
        lead
        + [
            "coders",
            "units",
            "percent agreement",
            "kappa pooled",
            "alpha pooled",
            "kappa macro",
            "set alpha MASI",
        ],
        pairs,
    )
    add("Confusions", lead + ["code A", "code B", "units"], confusions)
    add("Diagnostics", lead + ["code", "message"], diagnostics)
    first = _comparisons(report)[0][1] if _comparisons(report) else None
    settings = [
        [k, json.dumps(v) if isinstance(v, (list, dict)) else v]
        for k, v in (first["settings"] if first else {}).items()
    ]
    settings.append(["schema", report["schema"]])
    settings.append(
        [
            "alpha bands",
            "Krippendorff 2004: >= 0.800 reliable; 0.667-0.800 tentative; < 0.667 unreliable",
        ]
    )
    settings.append(["kappa labels", "Landis & Koch 1977"])
    add("Settings", ["setting", "value"], settings)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
