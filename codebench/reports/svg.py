"""Small inline SVG charts for the HTML report (no matplotlib, no network).

Inline SVG in HTML5 needs no namespace declaration, so the page carries no
URL at all; charts scale with the page through ``viewBox``.
"""

from __future__ import annotations

from codebench.safety import html_text as _escape

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
