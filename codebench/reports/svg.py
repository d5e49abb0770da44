"""Small inline SVG charts for the HTML report (no matplotlib, no network).

Inline SVG in HTML5 needs no namespace declaration, so the page carries no
URL at all; charts scale with the page through ``viewBox``.
"""

from __future__ import annotations

from codebench.safety import html_text as _escape
from codebench.wording import plural

DEFAULT_COLOUR = "#4e79a7"


def bar_chart(
    bars: list[tuple[str, float, str | None]], *, title: str, value_format: str = "{:,.0f}"
) -> str:
    """A horizontal bar chart: ``(label, value, colour)`` per bar, top to bottom."""
    label_width, bar_width, row, gap = 330, 360, 20, 4
    width = label_width + bar_width + 70
    height = 30 + len(bars) * row
    top = max((v for _, v, _ in bars), default=0) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{_escape(title)}">',
        f"<title>{_escape(title)}</title>",
        f'<text x="0" y="16" class="chart-title">{_escape(title)}</text>',
    ]
    for i, (label, value, colour) in enumerate(bars):
        y = 30 + i * row
        length = bar_width * value / top
        shown = label if len(label) <= 48 else label[:47] + "…"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + row - gap - 4}" text-anchor="end">{_escape(shown)}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{row - gap}" fill="{_escape(colour or DEFAULT_COLOUR)}"/>'
        )
        parts.append(
            f'<text x="{label_width + length + 6:.1f}" y="{y + row - gap - 4}">{_escape(value_format.format(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def shade(fraction: float | None) -> str:
    """An inline background colour for a heat-table cell (``fraction`` 0–1)."""
    if not fraction or fraction <= 0:
        return ""
    alpha = 0.12 + 0.6 * min(fraction, 1.0)
    return f"background-color: rgba(78, 121, 167, {alpha:.2f})"


#: Heat maps wider than this many codes are not drawn (the ranked pairs say it better).
MAX_HEAT_CODES = 40
DIAGONAL_FILL = "#d0d7de"


def heat_map(
    rows: list[str],
    columns: list[str],
    values: list[list[float | None]],
    diagonal: list[int],
    *,
    title: str,
    value_format: str = "{:.2f}",
) -> str:
    """A square heat map of codes × codes with the diagonal shown apart.

    ``values[i][j]`` off the diagonal is shaded on a scale from the largest
    off-diagonal value only; the diagonal (each code's own frequency, which
    would swamp that scale) is greyed and its ``diagonal[i]`` count written
    in it and again in a separate "n" column. Rows carry the codes' labels,
    columns their short numbers; every cell has a tooltip naming both codes.
    """
    size = len(rows)
    cell = 22 if size <= 20 else 16
    label_width = 300
    top_margin = 70
    n_width = 44
    width = label_width + cell * size + 8 + n_width
    height = top_margin + cell * size + 24
    off = [v for i, row in enumerate(values) for j, v in enumerate(row) if i != j and v]
    top = max(off, default=0) or 1
    font = 11 if cell >= 22 else 9
    parts = [
        f'<svg class="chart heat" viewBox="0 0 {width} {height}" width="{width}"'
        f' role="img" aria-label="{_escape(title)}" font-size="{font}">',
        f"<title>{_escape(title)}</title>",
        f'<text x="0" y="16" class="chart-title">{_escape(title)}</text>',
    ]
    x0 = label_width
    for j, name in enumerate(columns):
        x = x0 + j * cell + cell / 2
        parts.append(
            f'<text x="{x:.1f}" y="{top_margin - 6}" transform="rotate(-60 {x:.1f} {top_margin - 6})">{_escape(name)}</text>'
        )
    n_x = x0 + cell * size + 8
    parts.append(
        f'<text x="{n_x + n_width / 2:.1f}" y="{top_margin - 6}" text-anchor="middle">n</text>'
    )
    for i, label in enumerate(rows):
        y = top_margin + i * cell
        shown = label if len(label) <= 44 else label[:43] + "…"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + cell / 2 + 4:.1f}" text-anchor="end">{_escape(shown)}</text>'
        )
        for j in range(size):
            x = x0 + j * cell
            if i == j:
                fill, text = DIAGONAL_FILL, f"{diagonal[i]:,}"
                tip = f"{label}: {plural(diagonal[i], 'segment')} (its own frequency)"
            else:
                value = values[i][j] or 0
                alpha = 0.08 + 0.8 * (value / top) if value else 0
                fill = f"rgba(78, 121, 167, {alpha:.2f})" if value else "#ffffff"
                text = value_format.format(value) if value else ""
                tip = f"{label} × {rows[j]}: {text or 0}"
            parts.append(
                f"<g><title>{_escape(tip)}</title>"
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}" stroke="#ffffff"/></g>'
            )
            if cell >= 22 and text:
                colour = "#ffffff" if i != j and (values[i][j] or 0) > top * 0.6 else "#1f2328"
                parts.append(
                    f'<text x="{x + cell / 2}" y="{y + cell / 2 + 3.5}" text-anchor="middle"'
                    f' font-size="8" fill="{colour}">{_escape(text)}</text>'
                )
        parts.append(
            f'<rect x="{n_x}" y="{y}" width="{n_width}" height="{cell}" fill="{DIAGONAL_FILL}" stroke="#ffffff"/>'
            f'<text x="{n_x + n_width - 4}" y="{y + cell / 2 + 4:.1f}" text-anchor="end">{diagonal[i]:,}</text>'
        )
    parts.append(
        f'<text x="0" y="{height - 6}" class="chart-note">Grey: each code\'s own frequency'
        " (segments coded), shown apart; shading scales with the largest value off the diagonal"
        f" ({_escape(value_format.format(top))}).</text>"
    )
    parts.append("</svg>")
    return "".join(parts)
