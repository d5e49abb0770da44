"""Charts as image files (PNG, SVG) with matplotlib, ready for a paper.

Frequencies: horizontal bars of one measure per code. Codes by attribute:
a heat map of the % of each group's transcripts. Co-occurrence: a heat map
of the counts (or the normalised values). matplotlib is imported lazily and
always with the non-interactive Agg backend, so no display is needed; SVG
output is made reproducible (fixed hash salt, no date). Every label goes
through :func:`_label`: matplotlib reads ``$…$`` as mathematical notation
(an unbalanced ``$`` in a code name would crash the export, a balanced pair
would typeset as a formula), and the SVG writer copies control characters
into XML that then cannot be opened.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from codebench.reports.by_attribute import ByAttributeReport
from codebench.reports.cooccurrence import NORMALISATIONS, CooccurrenceReport
from codebench.reports.frequencies import FrequencyReport
from codebench.reports.render_rich import BAR_MEASURES
from codebench.safety import visible_controls

DPI = 200
#: Control pictures (U+2400–U+2421) drawn as U+FFFD in charts.
_NO_PICTURES = {code: "\ufffd" for code in range(0x2400, 0x2422)}
DEFAULT_COLOUR = "#4e79a7"


def chart_bytes(
    report: Any, fmt: str, *, measure: str = "segments", rollup: bool = True, **_: Any
) -> bytes:
    """The chart for ``report`` as PNG or SVG bytes."""
    plt = _pyplot()
    if isinstance(report, FrequencyReport):
        figure = _frequency_figure(plt, report, measure, rollup)
    elif isinstance(report, ByAttributeReport):
        labels = [_label(r.code.label) for r in report.rows]
        values = [[c.percent or 0.0 for c in r.cells] for r in report.rows]
        columns = [f"{_label(g.value)}\n(n={g.transcripts})" for g in report.groups]
        figure = _heatmap(
            plt,
            labels,
            columns,
            values,
            _label(f"% of transcripts by {report.attribute}"),
            "{:.0f}",
        )
    elif isinstance(report, CooccurrenceReport):
        used = [i for i in range(len(report.codes)) if report.counts[i][i]]
        matrix = report.values if report.values is not None else report.counts
        # The diagonal (each code's own frequency) is drawn apart: greyed, its count
        # written in it, and left off the colour scale, which it would swamp.
        square: list[list[float | None]] = [
            [float(matrix[i][j] or 0) if i != j else None for j in used] for i in used
        ]
        what = (
            NORMALISATIONS[report.normalise].split(":")[0]
            if report.normalise
            else "segments coded with both"
        )
        figure = _heatmap(
            plt,
            [_label(report.codes[i].label) for i in used],
            [_label(report.codes[i].short) for i in used],
            square,
            f"Co-occurrence ({what}; grey: each code's own frequency)",
            "{:.2f}" if report.values is not None else "{:.0f}",
            diagonal=[int(report.counts[i][i]) for i in used],
        )
    else:
        raise TypeError(f"no chart for a {getattr(report, 'kind', type(report).__name__)} report")
    return figure_bytes(plt, figure, fmt)


def figure_bytes(plt: Any, figure: Any, fmt: str) -> bytes:
    """``figure`` as SVG or PNG bytes without a date or software stamp (rebuilds are byte-identical); closes it."""
    out = io.BytesIO()
    try:
        if fmt == "svg":
            figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
        else:
            figure.savefig(
                out, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None}
            )
    finally:
        plt.close(figure)
    return out.getvalue()


def _label(text: str) -> str:
    """``text`` as a literal chart label: controls shown as ``�``, ``$`` not mathematics.

    The chart fonts have no control pictures (``␛``), so every control
    character becomes the replacement character, which they do have.
    """
    shown = visible_controls(str(text)).translate(_NO_PICTURES)
    return shown.replace("$", r"\$")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    matplotlib.rcParams["svg.hashsalt"] = "codebench"
    import matplotlib.pyplot as plt

    return plt


def _frequency_figure(plt: Any, report: FrequencyReport, measure: str, rollup: bool) -> Any:
    found = [(row.code, getattr(row.counts(rollup), measure) or 0) for row in report.rows]
    rows: list[tuple[Any, float]] = [(code, value) for code, value in found if value] or [(None, 0)]
    labels = [
        ("    " * code.depth + _label(code.label)) if code else "(nothing coded yet)"
        for code, _ in rows
    ]
    values = [value for _, value in rows]
    colours = [(code.colour if code and code.colour else DEFAULT_COLOUR) for code, _ in rows]
    figure, axes = plt.subplots(figsize=(8, 0.3 * len(rows) + 1.2))
    positions = list(range(len(rows)))
    axes.barh(positions, values, color=colours)
    axes.set_yticks(positions, labels=labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel(BAR_MEASURES[measure])
    axes.set_title(
        _label(f"{BAR_MEASURES[measure]} by code ({report.selection.label})"),
        fontsize=10,
        loc="left",
    )
    for spine in ("top", "right"):
        axes.spines[spine].set_visible(False)
    top = max(values) or 1
    for y, value in zip(positions, values):
        axes.text(
            value + top * 0.01,
            y,
            f"{value:.1f}" if measure == "percent" else f"{value:,}",
            va="center",
            fontsize=7,
        )
    return figure


def _heatmap(
    plt: Any,
    rows: list[str],
    columns: list[str],
    values: Sequence[Sequence[float | None]],
    title: str,
    fmt: str,
    *,
    diagonal: list[int] | None = None,
) -> Any:
    """A heat map; ``None`` cells are greyed and off the scale (with ``diagonal``, its counts)."""
    import numpy as np

    height = 0.28 * max(len(rows), 1) + 1.6
    # Wide matrices (a co-occurrence square) get square cells, not a page-wide strip.
    width = max(5.0, (0.7 if len(columns) <= 12 else 0.3) * len(columns) + 4.0)
    figure, axes = plt.subplots(figsize=(width, height))
    data = np.ma.masked_invalid(
        np.array([[np.nan if v is None else v for v in row] for row in values] or [[0.0]], float)
    )
    colours = plt.get_cmap("Blues").with_extremes(bad="#d0d7de")
    image = axes.imshow(data, cmap=colours, aspect="auto", vmin=0)
    axes.set_xticks(
        range(len(columns)),
        labels=columns,
        fontsize=7,
        rotation=45 if len(columns) > 6 else 0,
        ha="right" if len(columns) > 6 else "center",
    )
    axes.set_yticks(range(len(rows)), labels=rows, fontsize=7)
    top = max((v for row in values for v in row if v is not None), default=0) or 1
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            if value is None and diagonal is not None and i == j:
                axes.text(j, i, f"{diagonal[i]:,}", ha="center", va="center", fontsize=6)
            elif value:
                axes.text(
                    j,
                    i,
                    fmt.format(value),
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if value > top * 0.6 else "black",
                )
    axes.set_title(title, fontsize=10, loc="left")
    figure.colorbar(image, ax=axes, shrink=0.6)
    return figure
