"""Charts drawn on the server with pygal (no JavaScript, no network), served as SVG images.

Every chart also has its figures in a table on the page; series differ by dash pattern and
marker as well as by colour, so that they read without colour.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import pygal
from fastapi.responses import Response
from pygal.style import Style

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#17201c",
    foreground_strong="#17201c",
    foreground_subtle="#8a9891",
    colors=("#0f5f4a", "#b4541a", "#3b5ba5", "#7a4f9a", "#4d5a54"),
    font_family="system-ui, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    title_font_size=16,
    value_font_size=12,
)

# An SVG served as an image runs no script; its own styles must be allowed to apply.
SVG_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Cache-Control": "public, max-age=60",
}


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    dashed: bool = False


def line_chart(title: str, x_labels: Sequence[str], series: Sequence[Series], *, y_title: str = "tCO2e") -> str:
    chart = pygal.Line(
        js=[], style=STYLE, width=800, height=380, title=title, y_title=y_title, show_minor_x_labels=False,
        x_label_rotation=0, legend_at_bottom=True, legend_at_bottom_columns=len(series) or 1, dots_size=4,
        allow_interruptions=True, truncate_legend=-1, truncate_label=-1, print_values=False, include_x_axis=True,
        value_formatter=lambda v: f"{v:,.0f}",
    )
    chart.x_labels = list(x_labels)
    chart.x_labels_major_every = max(1, len(x_labels) // 8)
    for item in series:
        stroke = {"width": 3, "dasharray": "8,6"} if item.dashed else {"width": 3}
        chart.add(item.name, list(item.values), stroke_style=stroke, show_dots=not item.dashed)
    return str(chart.render(is_unicode=True))


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], *, y_title: str = "tCO2e") -> str:
    chart = pygal.Bar(
        js=[], style=STYLE, width=800, height=380, title=title, y_title=y_title, show_legend=False,
        print_values=True, truncate_label=-1, value_formatter=lambda v: f"{v:,.0f}",
    )
    chart.x_labels = list(labels)
    chart.add(y_title, list(values))
    return str(chart.render(is_unicode=True))


def svg_response(svg: str) -> Response:
    return Response(svg, media_type="image/svg+xml", headers=SVG_HEADERS)
