"""Horizontal bar charts as SVG, drawn on the server: the same markup in the page, the
PDF and (as a data table next to it) for screen readers. No inline styles (the CSP forbids
them): colours are SVG presentation attributes, which WeasyPrint also reads (it ignores
SVG properties such as `fill` in a stylesheet)."""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_HEIGHT = 18
GAP = 6
LABEL_WIDTH = 190
CHART_WIDTH = 560
VALUE_WIDTH = 50
BAR = "#1f5f8b"
TEXT = 'fill="#222" font-size="12"'


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


def bar_chart_svg(bars: list[Bar], *, title: str, chart_id: str) -> SafeString:
    """A labelled horizontal bar chart. The caller shows the same numbers in a table."""
    height = max(1, len(bars)) * (BAR_HEIGHT + GAP) + GAP
    peak = max((bar.value for bar in bars), default=0) or 1
    span = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    rows = []
    for index, bar in enumerate(bars):
        y = GAP + index * (BAR_HEIGHT + GAP)
        width = round(span * bar.value / peak, 1)
        label = escape(bar.label if len(bar.label) <= 32 else bar.label[:31] + "…")
        rows.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT - 5}" {TEXT} '
            f'text-anchor="end">{label}</text>'
            f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y}" width="{width}" fill="{BAR}" '
            f'height="{BAR_HEIGHT}"><title>{escape(bar.label)}: {bar.value}</title></rect>'
            f'<text class="chart-value" x="{LABEL_WIDTH + width + 4}" {TEXT} '
            f'y="{y + BAR_HEIGHT - 5}">{bar.value}</text>'
        )
    svg = (
        f'<svg class="chart" role="img" aria-labelledby="{escape(chart_id)}-title" '
        f'viewBox="0 0 {CHART_WIDTH} {height}" width="{CHART_WIDTH}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>{"".join(rows)}</svg>'
    )
    return mark_safe(svg)
