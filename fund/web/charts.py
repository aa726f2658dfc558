"""Small charts drawn on the server as SVG: readable without JavaScript, printable, accessible.

Each function returns one ``<svg>`` element as markup to place inline in a page. The drawing is an
image for sighted readers (``role="img"``, a ``<title>`` and an ``aria-label`` that says what it
shows); every bar also carries its number as text and as a ``<title>`` tooltip. Pages put a data
table with the same numbers next to each chart, which is what screen readers and copy-paste use.

Pure functions: numbers in, markup out; no database, no Flask.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape, quoteattr

from babel.dates import format_date
from flask_babel import get_locale, gettext
from markupsafe import Markup

from .formatting import number

SVG_NS = "http://www.w3.org/2000/svg"
INK = "#1b1f24"
MUTED = "#4a5361"
LINE = "#c9d1d9"
BAR = "#0b5394"
ALERT = "#a1111b"
CHAR_WIDTH = 7  # an estimate of one character's width at 12px, to leave room for labels


def _fmt(value: int | float) -> str:
    """1234 -> "1,234" (English) or "1 234"; 2.5 -> "2.5" (numbers as the tables show them)."""
    if isinstance(value, float) and not value.is_integer():
        return number(value)
    return number(int(value))


def _month(month: int) -> str:
    """A month's short name in the page's language ("Mar", "нау.", "мар.")."""
    return format_date(date(2026, month, 1), "LLL", locale=str(get_locale() or "en"))


def _svg(width: int, height: int, title: str, summary: str, body: list[str], chart_id: str) -> Markup:
    head = (
        f'<svg xmlns="{SVG_NS}" class="chart" id={quoteattr(chart_id)} role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f"aria-label={quoteattr(f'{title}. {summary}')} "
        f'font-family="system-ui, sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>"
        f"<desc>{escape(summary)}</desc>"
    )
    return Markup(head + "".join(body) + "</svg>")


def _scale(values: Sequence[int | float]) -> float:
    """The largest value, never zero (so an all-zero chart draws empty bars, not a division error)."""
    return float(max([*values, 0])) or 1.0


def horizontal_bar_chart(
    title: str,
    bars: Sequence[tuple[str, int | float]],
    *,
    unit: str = "claims",
    chart_id: str = "bar-chart",
    width: int = 640,
    highlight: bool = False,
) -> Markup:
    """One horizontal bar per (label, value), longest value widest; the value written after the bar.

    ``highlight`` draws the bars in the alert colour (for breaches).
    """
    row_height, gap, top = 22, 6, 8
    label_width = min(max([len(label) for label, _ in bars] + [4]) * CHAR_WIDTH + 12, width // 2)
    value_room = 60
    plot_width = width - label_width - value_room
    height = top * 2 + max(len(bars), 1) * (row_height + gap)
    largest = _scale([value for _, value in bars])
    total = sum(value for _, value in bars)
    summary = gettext("%(total)s %(unit)s in all", total=_fmt(total), unit=unit) + ": "
    summary += "; ".join(f"{label}: {_fmt(v)}" for label, v in bars)
    body = [
        f'<line x1="{label_width}" y1="{top - 2}" x2="{label_width}" y2="{height - top + 2}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    ]
    for index, (label, value) in enumerate(bars):
        y = top + index * (row_height + gap)
        bar_width = round(plot_width * value / largest, 1)
        middle = y + row_height / 2
        body.append(
            f'<g class="bar" data-label={quoteattr(label)} data-value="{value}">'
            f"<title>{escape(label)}: {_fmt(value)} {escape(unit)}</title>"
            f'<text x="{label_width - 6}" y="{middle}" text-anchor="end" dominant-baseline="middle" '
            f'fill="{INK}">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{bar_width}" height="{row_height}" '
            f'fill="{ALERT if highlight else BAR}"/>'
            f'<text class="value" x="{label_width + bar_width + 5}" y="{middle}" '
            f'dominant-baseline="middle" fill="{INK}" font-weight="600">{_fmt(value)}</text>'
            f"</g>"
        )
    if not bars:
        body.append(f'<text x="{label_width + 6}" y="{top + row_height / 2}" fill="{MUTED}">No data</text>')
    return _svg(width, height, title, summary, body, chart_id)


def weekly_column_chart(
    title: str,
    weeks: Sequence[tuple[date, int | float]],
    *,
    unit: str = "decisions",
    chart_id: str = "week-chart",
    width: int = 640,
    height: int = 240,
) -> Markup:
    """One column per week (Monday's date, value), oldest on the left; the value above each column.

    With many weeks only every n-th week is labelled below the axis, so labels never overlap;
    every column still has its number and its dates in a tooltip.
    """
    left, right, top, bottom = 36, 8, 20, 34
    plot_width, plot_height = width - left - right, height - top - bottom
    count = max(len(weeks), 1)
    slot = plot_width / count
    column_width = max(slot * 0.7, 2)
    largest = _scale([value for _, value in weeks])
    every = max(1, -(-count * 48 // plot_width))  # a label needs about 48 px
    total = sum(value for _, value in weeks)
    summary = (
        gettext("%(total)s %(unit)s in %(weeks)s weeks", total=_fmt(total), unit=unit, weeks=len(weeks))
        + ": "
    )
    summary += "; ".join(
        gettext("week of %(date)s", date=start.isoformat()) + f": {_fmt(value)}" for start, value in weeks
    )
    baseline = top + plot_height
    body = [
        f'<line x1="{left}" y1="{baseline}" x2="{width - right}" y2="{baseline}" stroke="{MUTED}"/>',
        f'<text x="{left - 4}" y="{top}" text-anchor="end" dominant-baseline="middle" '
        f'fill="{MUTED}">{_fmt(largest if weeks else 0)}</text>',
        f'<text x="{left - 4}" y="{baseline}" text-anchor="end" dominant-baseline="middle" '
        f'fill="{MUTED}">0</text>',
        f'<line x1="{left}" y1="{top}" x2="{width - right}" y2="{top}" stroke="{LINE}" '
        f'stroke-dasharray="3 3"/>',
    ]
    for index, (start, value) in enumerate(weeks):
        x = left + index * slot + (slot - column_width) / 2
        column_height = round(plot_height * value / largest, 1)
        centre = round(x + column_width / 2, 1)
        week_label = f"{start.day} {_month(start.month)}"
        body.append(
            f'<g class="column" data-week="{start.isoformat()}" data-value="{value}">'
            f"<title>{escape(gettext('Week of %(date)s', date=start.isoformat()))}: "
            f"{_fmt(value)} {escape(unit)}</title>"
            f'<rect x="{round(x, 1)}" y="{baseline - column_height}" width="{round(column_width, 1)}" '
            f'height="{column_height}" fill="{BAR}"/>'
            f'<text class="value" x="{centre}" y="{baseline - column_height - 4}" text-anchor="middle" '
            f'fill="{INK}" font-weight="600">{_fmt(value)}</text>'
            + (
                f'<text x="{centre}" y="{baseline + 16}" text-anchor="middle" '
                f'fill="{MUTED}">{week_label}</text>'
                if index % every == 0
                else ""
            )
            + "</g>"
        )
    if not weeks:
        body.append(f'<text x="{left + 6}" y="{top + 20}" fill="{MUTED}">No data</text>')
    return _svg(width, height, title, summary, body, chart_id)
