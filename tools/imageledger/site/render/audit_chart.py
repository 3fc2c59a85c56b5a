"""Findings per month as a static inline SVG (no script, no style attribute, no external
resource: the CSP allows it as plain markup). Every text is escaped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from markupsafe import Markup

from imageledger.site.render.html import esc

SEVERITIES = ("error", "warning", "info")
COLOURS = {"error": "#b71c1c", "warning": "#e65100", "info": "#1565c0"}
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 30, 50


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        if value <= step * 4:
            return step * 4
    return value


def trend_svg(trend: Sequence[tuple[str, Counter[str]]], *, title: str) -> Markup:
    """A stacked bar per month (errors at the bottom), with a legend and a y axis."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_max(max((sum(c.values()) for _, c in trend), default=0) or 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="il-chart" role="img" '
        f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'aria-labelledby="il-chart-title">',
        f'<title id="il-chart-title">{esc(title)}</title>',
    ]
    for i in range(5):  # y axis: 0, top/4, ... top
        value = top * i // 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="#cccccc" stroke-width="1"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
            f'fill="#555555">{value}</text>'
        )
    slot = plot_w / max(len(trend), 1)
    bar = max(min(slot * 0.7, 40), 1)
    label_every = max(1, len(trend) // 12 + (1 if len(trend) % 12 else 0))
    for index, (month, counts) in enumerate(trend):
        x = LEFT + slot * index + (slot - bar) / 2
        base: float = TOP + plot_h
        for severity in SEVERITIES:
            n = counts.get(severity, 0)
            if not n:
                continue
            h = plot_h * n / top
            base -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[severity]}"><title>{esc(month)}: {n} {esc(severity)}</title>'
                "</rect>"
            )
        if index % label_every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{TOP + plot_h + 14}" font-size="10" '
                f'text-anchor="middle" fill="#333333">{esc(month)}</text>'
            )
    for i, severity in enumerate(SEVERITIES):
        x = LEFT + i * 90
        parts.append(
            f'<rect x="{x}" y="8" width="10" height="10" fill="{COLOURS[severity]}"/>'
            f'<text x="{x + 14}" y="17" font-size="11" fill="#333333">{esc(severity)}</text>'
        )
    if not trend:
        parts.append(
            f'<text x="{WIDTH / 2:.0f}" y="{TOP + plot_h / 2:.0f}" font-size="12" '
            'text-anchor="middle" fill="#333333">no findings</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is esc()aped or a number
