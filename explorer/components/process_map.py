"""The process map drawn from its layout (`map_layout`): a plotly figure and an SVG.

Both show the same picture, interactively in the explorer and statically in the process
definition document: boxes with a short step name, its app and how often it occurs,
shaded by frequency; edges as wide as they are frequent; loops as dashed arcs going back
below the flow, repeats of one step as an arch above its box. Counts and median times of
the transitions show on hover (in the SVG as tooltips, and on the busiest edges as text)
rather than as labels that hide the map.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import polars as pl

from explorer.components.map_layout import (
    END,
    START,
    MapLayout,
    layout_map,
    prune_edges,
    step_counts,
)

ACCENT = "#3451b2"
LOOP = "#e8590c"
PX_LAYER, PX_ROW = 175, 78  # pixels per layer (x) and per row (y)
BOX_W, BOX_H = 0.37, 0.3  # half a box, in layers and rows
LABELLED_EDGES = 12  # the SVG writes counts on this many of the busiest edges
SHADES = ((0.66, ACCENT, "white"), (0.33, "#7186d6", "white"), (0.0, "#e3e8fa", "#1d2b5c"))

Point = tuple[float, float]


def step_caption(action: str, width: int = 22) -> tuple[str, str]:
    """A step's box text from its action label (``kind|app|target|title|url``): what was
    done to what, and in which app, e.g. ``("click Invoice date", "AcroRd32")``."""
    if action in (START, END):
        return action, ""
    sep = "|" if "|" in action else ":"
    kind, app, target, rest = [*action.split(sep, 3), "", "", ""][:4]
    title = rest.rsplit(sep, 1)[0]  # a title may hold the separator, the URL after it not
    what = f"{kind.replace('_', ' ')} {target or _gist(title)}".strip()
    short = what if len(what) <= width else what[: width - 1] + "…"
    return short, re.sub(r"\.exe$", "", app, flags=re.IGNORECASE)


def _gist(title: str) -> str:
    """The first meaningful part of a window title template (placeholders dropped)."""
    for part in re.split(r" [-|–] ", re.sub(r"<[^>]*>", "", title)):
        if re.search(r"[A-Za-z]{2}", part):
            return part.strip(" _-:")
    return ""


def edge_hover(edge: dict) -> str:
    median = "" if edge["median_s"] is None else f" · median {edge['median_s']:.1f} s"
    return f"{edge['count']:,}×{median}"


def edge_curve(lay: MapLayout, edge: dict) -> tuple[Point, Point, Point]:
    """Start, control and end point of the edge as a quadratic Bézier, in layout units."""
    (x0, y0), (x1, y1) = lay.positions[edge["source"]], lay.positions[edge["target"]]
    if edge["kind"] == "self":
        return (x0 - 0.12, y0 - BOX_H), (x0, y0 - BOX_H - 0.7), (x0 + 0.12, y0 - BOX_H)
    if edge["kind"] == "back":  # an arc below both boxes, deeper the further it reaches
        low = max(y0, y1) + BOX_H + 0.5 + 0.2 * abs(x0 - x1)
        return (x0, y0 + BOX_H), ((x0 + x1) / 2, low), (x1, y1 + BOX_H)
    start, end = (x0 + _half_width(edge["source"]), y0), (x1 - _half_width(edge["target"]), y1)
    if x1 - x0 > 1:  # skips layers: arc past the boxes in between, on the outer side
        side = max(y0, y1) + 1.0 if y0 + y1 > 0 else min(y0, y1) - 1.0
        return start, ((x0 + x1) / 2, side), end
    return start, ((start[0] + end[0]) / 2, (y0 + y1) / 2), end


def _bezier(p0: Point, c: Point, p1: Point, t: float) -> Point:
    u = 1 - t
    return (
        u * u * p0[0] + 2 * u * t * c[0] + t * t * p1[0],
        u * u * p0[1] + 2 * u * t * c[1] + t * t * p1[1],
    )


def _shade(count: int, top: int) -> tuple[str, str]:
    """Box fill and text colour: darker for more frequent steps, as in Disco."""
    return next((fill, ink) for floor, fill, ink in SHADES if count >= floor * top)


def _look(lay: MapLayout, node: str) -> tuple[str, str, str, str]:
    """Fill, text colour and the two text lines of a node's box."""
    count = lay.counts.get(node, 0)
    head, app = step_caption(node)
    second = f"{app} · {count:,}×" if app else f"{count:,}×"
    if node == START:
        return "#2f9e44", "white", head, second
    if node == END:
        return "#c92a2a", "white", head, second
    top = max((c for n, c in lay.counts.items() if n not in (START, END)), default=1) or 1
    return (*_shade(count, top), head, second)


def _size(lay: MapLayout) -> tuple[int, int, list[float], list[float]]:
    """Figure width and height in pixels and the axis ranges that keep boxes their size."""
    xs = [x for x, _ in lay.positions.values()]
    ys = [y for _, y in lay.positions.values()]
    loops = any(e["kind"] == "back" for e in lay.edges)
    x_range = [min(xs) - 0.5, max(xs) + 0.5]
    y_range = [max(ys) + (1.6 if loops else 0.6), min(ys) - 1.0]  # reversed: rows go down
    width = int((x_range[1] - x_range[0]) * PX_LAYER)
    height = int((y_range[0] - y_range[1]) * PX_ROW)
    return width, height, x_range, y_range


def process_map_figure(edges: pl.DataFrame, min_share: float = 0) -> dict:
    """An interactive map of the transitions at least ``min_share`` % of instances take.

    Returned as a plain figure dict (Dash sends it as is): building hundreds of validated
    plotly objects costs more than the query. Edges are a few traces, one per kind and
    width band; boxes are layout shapes; hover targets are two marker traces.
    """
    if edges.is_empty():
        return _empty_figure("No events for this selection")
    shown = prune_edges(edges, min_share)
    lay = layout_map(shown, step_counts(edges))
    width, height, x_range, y_range = _size(lay)
    data = [*_edge_traces(lay), _edge_hover_trace(lay), _node_trace(lay)]
    annotations = []
    if shown.height < edges.height:
        annotations.append(
            {
                "text": f"{shown.height} of {edges.height} transitions shown",
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 1,
                "yanchor": "bottom",
                "showarrow": False,
                "xanchor": "left",
                "font": {"size": 11, "color": "#667085"},
            }
        )
    layout = {
        "width": width,
        "height": height + 30,
        "margin": {"l": 0, "r": 0, "t": 24, "b": 6},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "hovermode": "closest",
        "dragmode": "pan",
        "shapes": _box_shapes(lay),
        "annotations": annotations,
        "xaxis": {"visible": False, "range": x_range, "fixedrange": False},
        "yaxis": {"visible": False, "range": y_range},
    }
    return {"data": data, "layout": layout}


def _edge_traces(lay: MapLayout) -> list[dict]:
    """Edge lines with an arrowhead at their end, one trace per kind and width band."""
    top = max(e["count"] for e in lay.edges)
    groups: dict[tuple[str, int], tuple[list, list, list]] = {}
    for edge in lay.edges:
        band = min(3, int(4 * edge["count"] / top))
        xs, ys, sizes = groups.setdefault((edge["kind"], band), ([], [], []))
        points = [_bezier(*edge_curve(lay, edge), t / 10) for t in range(11)]
        xs.extend([p[0] for p in points] + [None])
        ys.extend([p[1] for p in points] + [None])
        sizes.extend([0] * 10 + [7 + 2 * band, 0])
    return [
        {
            "type": "scatter",
            "x": xs,
            "y": ys,
            "mode": "lines+markers",
            "hoverinfo": "skip",
            "showlegend": False,
            "line": {
                "width": 1 + 1.6 * band,
                "color": "rgba(52,81,178,0.5)" if kind == "forward" else "rgba(232,89,12,0.65)",
                "dash": "solid" if kind == "forward" else "dash",
            },
            "marker": {
                "symbol": "arrow",
                "angleref": "previous",
                "size": sizes,
                "color": ACCENT if kind == "forward" else LOOP,
            },
        }
        for (kind, band), (xs, ys, sizes) in sorted(groups.items())
    ]


def _edge_hover_trace(lay: MapLayout) -> dict:
    """Invisible points halfway along each edge: hovering one tells its count and time."""
    middles = [_bezier(*edge_curve(lay, e), 0.5) for e in lay.edges]
    texts = [
        f"{html.escape(' '.join(step_caption(e['source'])))} → "
        f"{html.escape(' '.join(step_caption(e['target'])))}<br>{edge_hover(e)}"
        for e in lay.edges
    ]
    return {
        "type": "scatter",
        "x": [m[0] for m in middles],
        "y": [m[1] for m in middles],
        "mode": "markers",
        "marker": {"size": 14, "color": "rgba(0,0,0,0)"},
        "hovertext": texts,
        "hoverinfo": "text",
        "showlegend": False,
    }


def _node_trace(lay: MapLayout) -> dict:
    """The boxes' text (step, app, count), also their hover target with the full label."""
    names = list(lay.positions)
    looks = [_look(lay, n) for n in names]
    return {
        "type": "scatter",
        "x": [lay.positions[n][0] for n in names],
        "y": [lay.positions[n][1] for n in names],
        "mode": "markers+text",
        "text": [f"<b>{html.escape(head)}</b><br>{html.escape(sub)}" for *_, head, sub in looks],
        "textfont": {"size": 11, "color": [ink for _, ink, *_ in looks]},
        "marker": {"size": 40, "symbol": "square", "color": "rgba(0,0,0,0)"},
        "hovertext": [f"{html.escape(n)}<br>{lay.counts.get(n, 0):,} times" for n in names],
        "hoverinfo": "text",
        "showlegend": False,
    }


def _box_shapes(lay: MapLayout) -> list[dict]:
    shapes = []
    for node, (x, y) in lay.positions.items():
        fill = _look(lay, node)[0]
        half = _half_width(node)
        shapes.append(
            {
                "type": "rect",
                "x0": x - half,
                "x1": x + half,
                "y0": y - BOX_H,
                "y1": y + BOX_H,
                "fillcolor": fill,
                "line": {"color": ACCENT if node not in (START, END) else fill, "width": 1},
                "layer": "below",
            }
        )
    return shapes


def _half_width(node: str) -> float:
    return BOX_W * (0.6 if node in (START, END) else 1.0)


def _empty_figure(message: str) -> dict:
    return {
        "data": [],
        "layout": {
            "height": 200,
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "plot_bgcolor": "white",
            "paper_bgcolor": "white",
            "annotations": [
                {"text": message, "showarrow": False, "font": {"size": 14, "color": "#666"}}
            ],
        },
    }


def process_map_svg(edges: pl.DataFrame, min_share: float = 0) -> str:
    """The same map as a standalone SVG string (for documents without JavaScript)."""
    if edges.is_empty():
        return "<p>No events.</p>"
    lay = layout_map(prune_edges(edges, min_share), step_counts(edges))
    width, height, (left, _), (_, top_row) = _size(lay)

    def px(p: Point) -> str:
        return f"{(p[0] - left) * PX_LAYER:.0f},{(p[1] - top_row) * PX_ROW:.0f}"

    top = max(e["count"] for e in lay.edges)
    busiest = sorted(lay.edges, key=lambda e: -e["count"])[:LABELLED_EDGES]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        "<defs>",
        *(
            f'<marker id="arrow-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
            f'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/>'
            "</marker>"
            for name, colour in (("forward", ACCENT), ("loop", LOOP))
        ),
        "</defs>",
    ]
    for edge in lay.edges:
        p0, c, p1 = edge_curve(lay, edge)
        forward = edge["kind"] == "forward"
        colour, marker = (ACCENT, "forward") if forward else (LOOP, "loop")
        dash = "" if forward else ' stroke-dasharray="5,4"'
        tip = html.escape(f"{edge['source']} → {edge['target']}: {edge_hover(edge)}")
        parts.append(
            f'<path d="M{px(p0)} Q{px(c)} {px(p1)}" fill="none" stroke="{colour}" '
            f'stroke-opacity="0.55" stroke-width="{1 + 4 * edge["count"] / top:.1f}"{dash} '
            f'marker-end="url(#arrow-{marker})"><title>{tip}</title></path>'
        )
        if edge in busiest:
            x, y = px(_bezier(p0, c, p1, 0.5)).split(",")
            parts.append(
                f'<text x="{x}" y="{int(y) - 4}" text-anchor="middle" fill="#555">'
                f"{edge['count']:,}×</text>"
            )
    parts.extend(_svg_box(lay, node, px) for node in lay.positions)
    parts.append("</svg>")
    return "".join(parts)


def _svg_box(lay: MapLayout, node: str, px: Callable[[Point], str]) -> str:
    x, y = lay.positions[node]
    fill, ink, head, second = _look(lay, node)
    half = _half_width(node)
    left, upper = (int(v) for v in px((x - half, y - BOX_H)).split(","))
    w, h = int(2 * half * PX_LAYER), int(2 * BOX_H * PX_ROW)
    centre, middle = left + w // 2, upper + h // 2
    return (
        f'<g><title>{html.escape(node)}</title><rect x="{left}" y="{upper}" width="{w}" '
        f'height="{h}" rx="6" fill="{fill}" stroke="{ACCENT}" stroke-width="1"/>'
        f'<text x="{centre}" y="{middle - 3}" text-anchor="middle" fill="{ink}" '
        f'font-weight="bold">{html.escape(head)}</text>'
        f'<text x="{centre}" y="{middle + 11}" text-anchor="middle" fill="{ink}">'
        f"{html.escape(second)}</text></g>"
    )
