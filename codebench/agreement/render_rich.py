"""The agreement report as rich renderables (the ``--format table`` output).

Imports rich lazily, inside the functions, so importing the module keeps the
core free of UI libraries.  Every heading, band word and legend comes from
:mod:`.coefficient_registry`: each band column is headed by its coefficient
and the legend under the table names each scale, so a word cannot be read
as another coefficient's.
"""

from __future__ import annotations

from typing import Any

from codebench.agreement import coefficient_registry as registry
from codebench.agreement.coefficient_registry import (
    AC1,
    ALPHA,
    BP,
    COHEN,
    FLEISS,
    KAPPA,
    PERCENT,
    Scale,
    Tone,
)
from codebench.wording import plural

#: Terminal style of each band tone (the words and tones are the registry's).
TONE_STYLE: dict[Tone, str] = {
    "best": "bold green",
    "good": "green",
    "fair": "yellow",
    "weak": "dark_orange",
    "bad": "red",
}


def band_style(scale: Scale | None, word: str | None, default: str = "") -> str:
    """The style of ``word`` on ``scale`` (``default`` for no word or no scale)."""
    tone = scale.tone(word) if scale is not None else None
    return TONE_STYLE[tone] if tone is not None else default


def band_heading(coefficient: Any) -> str:
    """The heading of a band column: the coefficient's label ("α band")."""
    return f"{coefficient.label} band"


def fmt(value: float | None, digits: int = 3) -> str:
    """A coefficient for display; undefined -> an en dash."""
    return "–" if value is None else f"{value:.{digits}f}"


def significant(value: float | None) -> str:
    """Three significant figures: disagreements of a long continuum are small numbers."""
    return "–" if value is None else f"{value:.3g}"


def fmt_ci(item: dict[str, Any]) -> str:
    ci = item.get("ci")
    if not ci:
        return ""
    return f" [{ci['low']:.2f}, {ci['high']:.2f}]"


def code_label(entry: dict[str, Any], width: int = 34) -> str:
    text = f"{entry['number']} {entry['name']}" if entry.get("number") else entry["name"]
    return text if len(text) <= width else text[: width - 1] + "…"


def renderables(report: dict[str, Any], *, details: bool = True, width: int = 120) -> list[Any]:
    """Everything ``codebench agreement`` prints, as a list of rich renderables."""
    if report.get("mode") == "against-consensus":
        from rich.rule import Rule
        from rich.text import Text

        out: list[Any] = []
        for comparison in report["comparisons"]:
            coder = comparison["coders"][0]["name"]
            out.append(Rule(f"{coder} vs {report['consensus']} (consensus)"))
            out.extend(renderables(comparison, details=details, width=width))
        for item in report.get("skipped", []):
            out.append(Text(f"{item['coder']}: skipped ({item['reason']}).", style="dim"))
        return out
    parts: list[Any] = [
        _header(report),
        codes_table(report, width),
        _legend(),
        overall_table(report),
    ]
    if "unitizing" in report:
        parts.append(unitizing_table(report))
    if details:
        if len(report["per_transcript"]) > 1:
            parts.append(transcripts_table(report))
        if len(report["per_pair"]) > 1:
            parts.append(pairs_table(report))
        if report["confusions"]:
            parts.append(confusions_table(report))
    if report.get("disagreements") and report["disagreements"]["total"] is not None:
        from rich.text import Text

        label = report["round"]["label"]
        parts.append(
            Text(
                f"{plural(report['disagreements']['total'], 'disagreement')} in {label}: the text of each "
                f"is in the -o FILE.md/.html/.docx/.xlsx report and in "
                f"`codebench disagreements --round {report['round']['number']}`."
            )
        )
    if report.get("notes"):
        parts.append(notes_block(report["notes"], width))
    parts.append(diagnostics_text(report, width))
    return parts


#: Notes are prose: they wrap at this width even on a wider terminal, so lines stay readable.
NOTES_WIDTH = 80


def notes_block(notes: list[str], width: int = NOTES_WIDTH) -> Any:
    """The report's notes under the tables: what the figures stand on, one bullet each.

    Each note wraps at ``min(width, NOTES_WIDTH)`` columns with a hanging
    indent, so a long note reads as one item; the text is made terminal-safe
    here (a transcript or code name in a note is the user's), whatever
    console prints it.
    """
    from rich.text import Text

    text = Text("Notes\n", style="bold")
    for note in notes:
        text.append(hanging(note, width, "• ", "  ") + "\n")
    text.rstrip()
    return text


def hanging(body: str, width: int, first: str, rest: str) -> str:
    """``body`` made terminal-safe and wrapped at ``min(width, NOTES_WIDTH)`` with a hanging indent.

    Wrapped here rather than by the console, which would start every
    continuation line at column 0 and run a note together with the next.
    """
    import textwrap

    from codebench.safety import terminal_safe

    return textwrap.fill(
        " ".join(terminal_safe(body).split()),
        width=max(20, min(width, NOTES_WIDTH)),
        initial_indent=first,
        subsequent_indent=rest,
        break_on_hyphens=False,
    )


def _header(report: dict[str, Any]) -> Any:
    from rich.text import Text

    s = report["settings"]
    coders = ", ".join(c["name"] for c in report["coders"])
    units = report["units"]
    text = Text()
    text.append("Inter-coder agreement", style="bold")
    text.append(f"  {report['project']}", style="dim")
    if report.get("round"):
        text.append(f"  {report['round']['label']}", style="bold")
        frozen = report["round"].get("frozen")
        if frozen:
            text.append(f", as closed on {(frozen.get('closed_at') or '')[:10]}", style="bold")
    text.append("\n")
    text.append(f"Coders: {coders} · unit: {s['unit']}")
    text.append(
        f" · {units['total']} {units['counted_in']} in {plural(len(report['transcripts']['compared']), 'transcript')}"
    )
    if s["unit"] != "character":
        rule = "any overlap" if s["min_overlap"] is None else f"≥ {s['min_overlap']:.0%} covered"
        text.append(f" · coded: {rule}")
    if s.get("unit_label"):
        text.append(f" · per-code figures: {s['unit_label']}")
    if s.get("hierarchy"):
        text.append(f" · {s['hierarchy']}")
    elif s["level"]:
        text.append(" · top-level codes")
    if s["bootstrap"]:
        text.append(
            f" · {int(s['ci_level'] * 100)}% CI, {s.get('bootstrap_method') or s['bootstrap']}"
        )
    if units.get("n_rule"):
        text.append(f"\n{units['n_rule']}", style="dim")
    return text


def _legend() -> Any:
    """One line per scaled coefficient: its band heading, the scale's source and each word."""
    from rich.text import Text

    text = Text(style="dim")
    for n, c in enumerate(registry.scaled()):
        assert c.scale is not None
        text.append(("\n" if n else "") + f"{band_heading(c)}, {c.scale.citation}: ")
        for k, (condition, word) in enumerate(c.scale.thresholds()):
            text.append(" · " if k else "")
            text.append(
                f"{condition}: {word}" if condition == "below" else f"{condition} {word}",
                style=band_style(c.scale, word),
            )
    return text


def _ci_text(item: dict[str, Any]) -> str:
    ci = item.get("ci")
    return f"\n{ci['low']:.2f}–{ci['high']:.2f}" if ci else ""


def _value_cell(
    item: dict[str, Any], scale: Scale | None = None, *, coloured: bool = True, band: bool = False
) -> Any:
    """A value (coloured by its band) with its interval underneath, and its band word if ``band``."""
    from rich.text import Text

    if item["value"] is None:
        return Text("undefined", style="dim italic")
    word = scale.band(item["value"]) if scale is not None else None
    text = Text(fmt(item["value"]), style=band_style(scale, word) if coloured else "")
    if band and word:
        text.append(f" {word}", style=band_style(scale, word))
    text.append(_ci_text(item), style="dim")
    return text


def _band_cell(scale: Scale | None, value: float | None) -> Any:
    """The band word of ``value`` on ``scale``, in its colour ("–" when undefined)."""
    from rich.text import Text

    word = scale.band(value) if scale is not None else None
    return Text(word or "–", style=band_style(scale, word, "dim"))


def _table(title: str) -> Any:
    from rich import box
    from rich.table import Table

    return Table(
        title=title, header_style="bold", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False
    )


def codes_table(report: dict[str, Any], width: int = 120) -> Any:
    """Per-code table; intervals sit under their values so it fits 80 columns."""
    kappa_label = registry.headline_of(len(report["coders"])).label
    same_units = len({c["pairable_units"] for c in report["codes"]}) <= 1
    wide = width >= 132
    medium = width >= 108
    counted = report["units"]["counted_in"]
    units_note = (
        f" ({report['codes'][0]['pairable_units']} {counted} each)"
        if same_units and report["codes"]
        else ""
    )
    lead = report["codes"][0].get("headline") if report["codes"] else None
    if lead is not None and lead["key"] == ALPHA.key:
        units_note += (
            f" · headline {ALPHA.label}: {plural(len(report['coders']), 'coder')}, missing ratings"
        )
    label = report["settings"].get("unit_label")
    table = _table(("Agreement per code" if not label else f"Per code, {label}") + units_note)
    table.add_column(
        "Code", no_wrap=True, overflow="ellipsis", max_width=44 if wide else 28 if medium else 14
    )
    if not same_units:
        table.add_column("Units", justify="right", no_wrap=True)
    table.add_column("Prev.", justify="right", no_wrap=True)
    # Narrow terminals: each band word sits beside its value instead of in a column of its own.
    apart = medium
    for label, coefficient in ((ALPHA.label, ALPHA), (kappa_label, KAPPA)):
        table.add_column(label if apart else f"{label} · band", no_wrap=True)
        if apart:
            table.add_column(band_heading(coefficient), min_width=11)
    table.add_column(AC1.label, justify="right", no_wrap=True)
    if wide:
        table.add_column(BP.label, justify="right", no_wrap=True)
    if medium:
        table.add_column(PERCENT.label, justify="right", no_wrap=True)
    table.add_column("Dis", justify="right", no_wrap=True)
    for c in report["codes"]:
        pa = c[PERCENT.key]["value"]
        cells: list[Any] = [code_label(c, 80)]
        if not same_units:
            cells.append(str(c["pairable_units"]))
        cells.append("–" if c["prevalence"] is None else f"{c['prevalence']:.1%}")
        for coefficient in (ALPHA, KAPPA):
            item = c[coefficient.key]
            cell = _value_cell(
                item, coefficient.scale, coloured=coefficient is ALPHA, band=not apart
            )
            if (
                item.get("n") is not None
                and item["n"] != c["pairable_units"]
                and item["value"] is not None
            ):
                cell.append(f"\nn={item['n']}", style="dim")  # on other units than the row's
            cells.append(cell)
            if apart:
                cells.append(_band_cell(coefficient.scale, item["value"]))
        cells.append(fmt(c[AC1.key]["value"], 2))
        if wide:
            cells.append(fmt(c[BP.key]["value"], 2))
        if medium:
            cells.append("–" if pa is None else f"{pa * 100:.1f}")
        cells.append(str(c["disagreements"]))
        table.add_row(*cells)
    return table


def overall_table(report: dict[str, Any]) -> Any:
    from rich.console import Group
    from rich.text import Text

    overall = report["overall"]
    table = _table("Overall")
    for column in (
        "",
        PERCENT.label,
        ALPHA.label,
        KAPPA.label,
        band_heading(KAPPA),
        AC1.label,
        BP.label,
        "Over",
    ):
        table.add_column(column, no_wrap=column != "Over")
    macro, pooled = overall["macro"], overall["pooled"]

    def pct(v: float | None) -> str:
        return "–" if v is None else f"{v * 100:.1f}"

    for label, src, basis in (
        (
            "Macro mean",
            macro,
            f"{macro[ALPHA.key]['codes']}/{plural(pooled['codes'], 'used code')}",
        ),
        (
            "Pooled",
            pooled,
            f"{plural(pooled['decisions'], 'decision')}, {plural(pooled['codes'], 'used code')}",
        ),
    ):
        alpha = src[ALPHA.key]["value"]
        kappa = src[KAPPA.key]["value"]
        table.add_row(
            label,
            pct(src[PERCENT.key]["value"]),
            Text(fmt(alpha), style=band_style(ALPHA.scale, _word(ALPHA.scale, alpha))),
            fmt(kappa),
            _band_cell(KAPPA.scale, kappa),
            fmt(src[AC1.key]["value"], 2),
            fmt(src[BP.key]["value"], 2),
            basis,
        )
    sets = overall["set_alpha"]
    line = Text(
        f"Set-valued {ALPHA.label} over the whole codebook (the set of codes each coder gave a unit): "
    )
    for key, name in (("masi", "MASI"), ("jaccard", "Jaccard")):
        value = sets[key]["value"]
        line.append(f"{name} ")
        line.append(
            fmt(value) if value is not None else f"undefined ({sets[key]['reason']})",
            style=band_style(ALPHA.scale, _word(ALPHA.scale, value)),
        )
        line.append("  ")
    return Group(table, line)


def unitizing_table(report: dict[str, Any]) -> Any:
    """Krippendorff's unitizing alpha per code (and per pair), over all codes, on boundaries alone."""
    from rich.console import Group
    from rich.text import Text

    section = report["unitizing"]
    names = [c["name"] for c in report["coders"]]
    continuum = section["continuum"]
    table = _table(
        f"Unitizing alpha uα ({plural(continuum['length'], 'character')} in "
        f"{plural(len(continuum['transcripts']), 'transcript')})"
    )
    # Labels wrap rather than push the figures off an 80-column terminal.
    table.add_column("Code", overflow="fold", ratio=1)
    for column in ("uα", "CI", "uDo", "uDe", "Units"):
        table.add_column(column, justify="right", no_wrap=True)

    def row(label: str, item: dict[str, Any], style: str = "") -> None:
        value = item["value"]
        # Text, never markup: code and coder names are the user's.
        table.add_row(
            Text(label, style=style),
            Text(fmt(value), style=band_style(ALPHA.scale, _word(ALPHA.scale, value))),
            Text(_unitizing_ci(item.get("ci"))),
            Text(significant(item.get("observed"))),
            Text(significant(item.get("expected"))),
            Text("/".join(str(n) for n in (item.get("units_by_coder") or {}).values())),
        )

    for entry in section["codes"]:
        row(code_label(entry, 80), entry["alpha_u"])
        for pair in entry.get("pairs", []):
            row("  " + " × ".join(pair["coders"]), pair, "dim")
    overall = section["overall"]
    row("All codes (uα)", overall["alpha_u"])
    row("Anything coded (|uα)", overall["binary"])
    if "coding" in overall:
        row("Codes where both coded (|cuα)", overall["coding"])
    note = Text(style="dim")
    note.append("Units: coded stretches per coder (" + "/".join(names) + "). ")
    note.append(section["definition"])
    for item in continuum["left_out"]:
        note.append(f"\nLeft out of uα: {item['transcript']} ({item['reason']}).")
    if "interval_rule" in section:
        note.append(
            f"\nCI: {section['interval_rule']}; n = {len(continuum['transcripts'])} continua, "
            f"{plural(continuum['length'], 'character')}."
        )
        undefined = [
            f"{label} {ci['undefined']} of {ci['replicates']}"
            for label, ci in _unitizing_intervals(section)
            if ci and ci.get("undefined")
        ]
        if undefined:
            note.append(
                "\nUndefined replicates (left out of the CI): " + "; ".join(undefined) + "."
            )
    return Group(table, note)


def _unitizing_intervals(section: dict[str, Any]) -> list[tuple[str, dict[str, Any] | None]]:
    """Every uα interval of the section with its label."""
    found = [(code_label(c, 80), c["alpha_u"].get("ci")) for c in section["codes"]]
    overall = section["overall"]
    found += [("uα", overall["alpha_u"].get("ci")), ("|uα", overall["binary"].get("ci"))]
    if "coding" in overall:
        found.append(("|cuα", overall["coding"].get("ci")))
    return found


def _unitizing_ci(ci: dict[str, Any] | None) -> str:
    """A uα interval as ``[low, high]`` (the undefined replicates are counted in the note)."""
    if not ci or ci.get("low") is None:
        return "—"
    return f"[{fmt(ci['low'])}, {fmt(ci['high'])}]"


def _word(scale: Scale | None, value: float | None) -> str | None:
    return scale.band(value) if scale is not None else None


def transcripts_table(report: dict[str, Any]) -> Any:
    table = _table("Per transcript (pooled over codes)")
    shown = registry.TRANSCRIPT_COEFFICIENTS
    for column in (
        "Transcript",
        "Units",
        "Codes",
        *[_pooled_heading(c) for c in shown],
        f"{ALPHA.label} macro",
        f"Set {ALPHA.label} MASI",
    ):
        table.add_column(column, overflow="fold")
    for row in report["per_transcript"]:
        table.add_row(
            row["transcript"],
            str(row["units"]),
            str(row["pooled_codes"]),
            *[_shown(c, row[c.key]) for c in shown],
            fmt(row["macro_alpha"]["value"]),
            fmt(row["set_alpha_masi"]["value"]),
        )
    return table


def pairs_table(report: dict[str, Any]) -> Any:
    table = _table("Per coder pair")
    shown = registry.PAIR_COEFFICIENTS
    for column in (
        "Coders",
        "Units",
        "Codes",
        *[_pooled_heading(c) for c in shown],
        f"{COHEN.label} macro",
        f"Set {ALPHA.label} MASI",
    ):
        table.add_column(column, overflow="fold")
    for row in report["per_pair"]:
        table.add_row(
            " × ".join(row["coders"]),
            str(row["units"]),
            str(row["pooled_codes"]),
            *[_shown(c, row[c.key]) for c in shown],
            fmt(row["macro_kappa"]["value"]),
            fmt(row["set_alpha_masi"]["value"]),
        )
    return table


def _pooled_heading(coefficient: Any) -> str:
    return coefficient.label if coefficient.percent else f"{coefficient.label} pooled"


def _shown(coefficient: Any, item: dict[str, Any]) -> str:
    value = item["value"]
    if coefficient.percent:
        return "–" if value is None else f"{value * 100:.1f}"
    return fmt(value)


def confusions_table(report: dict[str, Any], top: int = 10) -> Any:
    table = _table("Most confused codes (one coder used A where the other used B instead)")
    table.add_column("Code A", overflow="fold")
    table.add_column("Code B", overflow="fold")
    table.add_column("Units", justify="right")
    table.add_column("Who (units)", overflow="fold")
    for item in report["confusions"][:top]:
        a = item["code_a"]["number"] or item["code_a"]["name"]
        b = item["code_b"]["number"] or item["code_b"]["name"]
        who = "; ".join(
            part
            for p in item["by_pair"]
            for part, n in (
                (
                    f"{p['first']} {a} / {p['second']} {b}: {p['first_a_second_b']}",
                    p["first_a_second_b"],
                ),
                (
                    f"{p['first']} {b} / {p['second']} {a}: {p['first_b_second_a']}",
                    p["first_b_second_a"],
                ),
            )
            if n
        )
        table.add_row(
            code_label(item["code_a"], 30),
            code_label(item["code_b"], 30),
            str(item.get("distinct_units", item["units"])),
            who,
        )
    from rich.console import Group
    from rich.text import Text

    return Group(table, Text(report.get("confusions_rule", ""), style="dim"))


GROUPED = (
    (
        "Extreme prevalence:",
        (
            "Extreme prevalence (< 5 % or > 95 % of ratings apply the code; kappa-type "
            "coefficients are unstable there)"
        ),
    ),
    (
        "Kappa paradox:",
        (
            f"Kappa paradox ({AC1.label} and kappa differ by more than 0.2: with a rare code "
            "kappa's chance agreement is near 1, so a few disagreements pull it down; report both "
            "with the prevalence)"
        ),
    ),
)


def _short(note: str) -> str:
    """The figures of a grouped diagnostic: "4.6%" or "AC1 0.97 vs κ 0.29"."""
    if note.startswith("Extreme prevalence:"):
        return note.split(":", 1)[1].split(" of ratings", 1)[0].strip()
    if note.startswith("Kappa paradox:"):
        head = note.split(":", 1)[1].split(". When", 1)[0].strip()
        return (
            head.replace(" but ", " vs ")
            .replace(FLEISS.name, KAPPA.label)
            .replace(f"{AC1.label} = ", f"{AC1.label} ")
            .replace("= ", "")
        )
    return note


def diagnostics_text(report: dict[str, Any], width: int = NOTES_WIDTH) -> Any:
    from rich.text import Text

    text = Text()
    overall = report["overall"]
    lines: list[tuple[str, str]] = []
    for item in report["transcripts"]["excluded"]:
        lines.append(("Left out", f"{item['transcript']}: {item['reason']}"))
    if report["transcripts"]["untouched"]:
        lines.append(
            (
                "Left out",
                f"{plural(report['transcripts']['untouched'], 'transcript')} no compared coder has started",
            )
        )
    for note in overall["diagnostics"]:
        lines.append(("Overall", note))
    grouped: dict[str, list[str]] = {prefix: [] for prefix, _ in GROUPED}
    for c in report["codes"]:
        if c["applied"] == 0:
            continue  # summarised in the overall diagnostics
        tag = c["number"] or c["name"]
        for note in c["diagnostics"]:
            prefix = next((p for p, _ in GROUPED if note.startswith(p)), None)
            if prefix is None:
                lines.append((tag, note))
            else:
                grouped[prefix].append(f"{tag} ({_short(note)})")
    for prefix, title in GROUPED:
        if grouped[prefix]:
            lines.append((title, ", ".join(grouped[prefix])))
    if not lines:
        return Text("No diagnostics.", style="dim")
    text.append("Diagnostics\n", style="bold")
    for head, body in lines:
        start = len(text)
        text.append(hanging(f"{head}: {body}", width, "  ", "    ") + "\n")
        if text.plain[start:].startswith(f"  {head}:"):  # the head fits on its first line
            style = "bold" if head == "Left out" else "bold yellow"
            text.stylize(style, start, start + len(head) + 3)
    text.rstrip()
    return text


def print_report(report: dict[str, Any], console: Any | None = None) -> None:
    """Print the report to ``console`` (default: a new rich console on stdout)."""
    from rich.console import Console

    # Markup off: code, coder and transcript names are the user's, never rich markup
    # (a code named "[red]x" or ":warning:" is printed as typed).
    console = console or Console(markup=False, emoji=False)
    for part in renderables(report, width=console.width):
        console.print(part)
        console.print()


def report_text(report: dict[str, Any], width: int = 160) -> str:
    """The table output as plain text (for ``--format table -o FILE``)."""
    import io

    from rich.console import Console

    console = Console(
        file=io.StringIO(),
        width=width,
        record=True,
        color_system=None,
        markup=False,
        emoji=False,
    )
    print_report(report, console)
    return console.export_text()
