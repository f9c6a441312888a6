"""Charts drawn on the server as SVG: no outside service, no script, printable, and the
same drawing in the page and in the PDF.

Every chart is an <svg role="img"> with a <title> and a <desc> (its text alternative),
each bar or point carries a <title> of its own, and the caller shows the same figures as
a table next to it. Colours and fonts are presentation attributes, never ``style``
attributes, so the page's Content-Security-Policy (style-src 'self') holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

FONT = "DejaVu Sans, IPAexGothic, sans-serif"
BAR = "#2f6f9f"
LINE = "#c0392b"
GRID = "#d0d4d9"
INK = "#222222"
MUTED = "#555555"


@dataclass
class Chart:
    id: str
    title: str
    description: str  # the text alternative: what the chart shows, in words
    svg: Markup
    headers: list[str]
    rows: list[list[str]]


def _nice_max(value: float) -> float:
    """A round upper bound for a count axis whose quarter ticks are whole numbers:
    4, 8, 20, 40, 80, 200, 400, 800, 2000..."""
    top = 4
    while top < value:
        top = top * 5 // 2 if str(top)[0] == "8" else top * 2
    return top


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="chart" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{FONT}" '
        f'font-size="12" fill="{INK}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def column_chart(chart_id: str, title: str, description: str,
                 bars: list[tuple[str, float, str]], *, line: list[float] | None = None,
                 line_label: str = "", label_every: int = 1, width: int = 640,
                 height: int = 260) -> Markup:
    """Vertical bars (label, value, tooltip), optionally a line (e.g. a running total)
    drawn against a second scale on the right."""
    left, right, top, bottom = 44, 44 if line else 12, 14, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max((b[1] for b in bars), default=0))
    parts = _open(chart_id, title, description, width, height)
    for i in range(5):  # grid lines and the left axis labels
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                     f'stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'fill="{MUTED}">{_num(round(value, 1))}</text>')
    n = max(1, len(bars))
    slot = plot_w / n
    bar_w = max(1.0, slot * 0.7)
    for i, (label, value, tip) in enumerate(bars):
        h = plot_h * (value / top_value) if top_value else 0
        x = left + i * slot + (slot - bar_w) / 2
        parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                     f'height="{h:.1f}" fill="{BAR}"><title>{escape(tip)}</title></rect>')
        if i % label_every == 0 or i == n - 1:
            parts.append(f'<text x="{left + i * slot + slot / 2:.1f}" y="{top + plot_h + 16}" '
                         f'text-anchor="middle" font-size="10" fill="{MUTED}">'
                         f'{escape(label)}</text>')
    if line:
        line_max = _nice_max(max(line))
        points = " ".join(
            f"{left + i * slot + slot / 2:.1f},{top + plot_h - plot_h * v / line_max:.1f}"
            for i, v in enumerate(line))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{LINE}" '
                     f'stroke-width="2"/>')
        for i in range(5):
            y = top + plot_h - plot_h * i / 4
            parts.append(f'<text x="{left + plot_w + 6}" y="{y + 4:.1f}" fill="{LINE}">'
                         f'{_num(round(line_max * i / 4, 1))}</text>')
        parts.append(f'<text x="{left + plot_w}" y="{height - 8}" text-anchor="end" '
                     f'fill="{LINE}" font-size="11">— {escape(line_label)}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
                 f'y2="{top + plot_h}" stroke="{INK}" stroke-width="1"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()


def bar_chart(chart_id: str, title: str, description: str,
              bars: list[tuple[str, float, str]], *, maximum: float = 100.0,
              suffix: str = "%", width: int = 640) -> Markup:
    """Horizontal bars (label, value, tooltip) on a 0..maximum scale, value printed."""
    row_h, label_w, top = 26, 220, 8
    height = top * 2 + row_h * max(1, len(bars)) + 18
    plot_w = width - label_w - 60
    parts = _open(chart_id, title, description, width, height)
    for i in range(5):
        x = label_w + plot_w * i / 4
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" '
                     f'y2="{height - 18}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle" '
                     f'font-size="10" fill="{MUTED}">{_num(round(maximum * i / 4, 1))}'
                     f'{escape(suffix)}</text>')
    for i, (label, value, tip) in enumerate(bars):
        y = top + i * row_h
        w = plot_w * min(max(value, 0), maximum) / maximum if maximum else 0
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y + row_h / 2 + 4:.1f}" '
                     f'text-anchor="end">{escape(short)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
                     f'fill="{BAR}"><title>{escape(tip)}</title></rect>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + row_h / 2 + 4:.1f}">'
                     f'{_num(value)}{escape(suffix)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()
