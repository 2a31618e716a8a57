"""The process map drawn from its layout (`map_layout`): a plotly figure and an SVG.

Both show the same picture, interactively in the explorer and statically in the process
definition document. The map runs top to bottom, as Disco's and Celonis's do: a page
scrolls down naturally, so box names can be long enough to read, and a routine of twenty
steps needs no sideways scrolling. Boxes show a step's number and name, its app and how
often it is done, shaded by frequency; arrows are as wide as they are frequent; loops
are dashed arcs going back up on the right, transitions that skip steps arc on the left.
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
PX_COL, PX_LAYER = 250, 80  # pixels per column (x) and per layer (y)
BOX_W, BOX_H = 0.42, 0.3  # half a box, in columns and layers
CAPTION_CHARS = 32  # what fits on a box's first line
LABELLED_EDGES = 12  # the SVG writes counts on this many of the busiest edges
SHADES = ((0.66, ACCENT, "white"), (0.33, "#7186d6", "white"), (0.0, "#e3e8fa", "#1d2b5c"))

Point = tuple[float, float]
#: node -> (box text, app, full description for hovers)
Captions = dict[str, tuple[str, str, str]]


def step_caption(action: str, width: int = 22) -> tuple[str, str]:
    """A step's box text from its action label (``kind|app|target|title|url``): what was
    done to what, and in which app, e.g. ``("click Invoice date", "AcroRd32")``."""
    if action in (START, END):
        return action, ""
    action = re.sub(r" #\d+$", "", action)  # mining's suffix of a repeated step
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


def default_captions(nodes: list[str]) -> Captions:
    """Captions from the action labels alone (no step numbers)."""
    out = {}
    for node in nodes:
        head, app = step_caption(node, CAPTION_CHARS)
        out[node] = (head, app, " ".join(step_caption(node, 200)))
    return out


def edge_hover(edge: dict) -> str:
    median = "" if edge.get("median_s") is None else f" · median {edge['median_s']:.1f} s"
    return f"{edge['count']:,} instances{median}"


def _half_width(node: str) -> float:
    return BOX_W * (0.55 if node in (START, END) else 1.0)


def _xy(lay: MapLayout, node: str) -> Point:
    """A node's centre: x the column (the layout's row), y the layer (down the page)."""
    layer, row = lay.positions[node]
    return row, layer


def edge_curve(lay: MapLayout, edge: dict) -> tuple[Point, Point, Point]:
    """Start, control and end point of the edge as a quadratic Bézier, in layout units."""
    (x0, y0), (x1, y1) = _xy(lay, edge["source"]), _xy(lay, edge["target"])
    w0, w1 = _half_width(edge["source"]), _half_width(edge["target"])
    if edge["kind"] == "self":
        return (x0 + w0, y0 - 0.12), (x0 + w0 + 0.4, y0), (x0 + w0, y0 + 0.12)
    if edge["kind"] == "back":  # up along the right, further out the further it reaches
        side = max(x0 + w0, x1 + w1) + 0.35 + 0.06 * abs(y0 - y1)
        return (x0 + w0, y0), (side, (y0 + y1) / 2), (x1 + w1, y1)
    start, end = (x0, y0 + BOX_H), (x1, y1 - BOX_H)
    if y1 - y0 > 1:  # skips steps: arc past the boxes in between, on the left
        return start, (min(x0 - w0, x1 - w1) - 0.25, (y0 + y1) / 2), end
    return start, ((x0 + x1) / 2, (y0 + y1) / 2), end


def _bezier(p0: Point, c: Point, p1: Point, t: float) -> Point:
    u = 1 - t
    return (
        u * u * p0[0] + 2 * u * t * c[0] + t * t * p1[0],
        u * u * p0[1] + 2 * u * t * c[1] + t * t * p1[1],
    )


def _shade(count: int, top: int) -> tuple[str, str]:
    """Box fill and text colour: darker for more frequent steps, as in Disco."""
    return next((fill, ink) for floor, fill, ink in SHADES if count >= floor * top)


def _look(lay: MapLayout, node: str, captions: Captions) -> tuple[str, str, str, str]:
    """Fill, text colour and the two text lines of a node's box."""
    count = lay.counts.get(node, 0)
    head, app, _ = captions.get(node) or default_captions([node])[node]
    second = f"{app} · {count:,}×" if app else f"{count:,}×"
    if node == START:
        return "#2f9e44", "white", head, second
    if node == END:
        return "#c92a2a", "white", head, second
    top = max((c for n, c in lay.counts.items() if n not in (START, END)), default=1) or 1
    return (*_shade(count, top), head, second)


def _size(lay: MapLayout) -> tuple[int, int, list[float], list[float]]:
    """Figure width and height in pixels and the axis ranges that keep boxes their size."""
    xs = [_xy(lay, n)[0] for n in lay.positions]
    ys = [_xy(lay, n)[1] for n in lay.positions]
    kinds = {e["kind"] for e in lay.edges}
    left = min(xs) - BOX_W - (0.4 if "forward" in kinds else 0.1)
    right = max(xs) + BOX_W + (0.9 if kinds & {"back", "self"} else 0.1)
    x_range = [left, right]
    y_range = [max(ys) + 0.55, min(ys) - 0.55]  # reversed: layers go down
    width = int((right - left) * PX_COL)
    height = int((y_range[0] - y_range[1]) * PX_LAYER)
    return width, height, x_range, y_range


def process_map_figure(
    edges: pl.DataFrame,
    min_share: float = 0,
    captions: Captions | None = None,
    counts: dict[str, int] | None = None,
) -> dict:
    """An interactive map of ``source, target, count`` transitions.

    ``captions`` name the boxes (default: from the action labels); ``counts`` are the
    steps' frequencies (default: from ``edges``). Returned as a plain figure dict (Dash
    sends it as is): building validated plotly objects costs more than the query.
    """
    if edges.is_empty():
        return _empty_figure("No instance of this candidate in the period and users chosen")
    shown = prune_edges(edges, min_share)
    lay = layout_map(shown, counts or step_counts(edges))
    captions = {**default_captions(list(lay.positions)), **(captions or {})}
    width, height, x_range, y_range = _size(lay)
    data = [*_edge_traces(lay), _edge_hover_trace(lay, captions), _node_trace(lay, captions)]
    layout = {
        "width": width,
        "height": height,
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "hovermode": "closest",
        "dragmode": False,
        "shapes": [_box_shape(lay, node, captions) for node in lay.positions],
        "xaxis": {"visible": False, "range": x_range, "fixedrange": True},
        "yaxis": {"visible": False, "range": y_range, "fixedrange": True},
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


def _edge_hover_trace(lay: MapLayout, captions: Captions) -> dict:
    """Invisible points halfway along each edge: hovering one tells its count."""
    middles = [_bezier(*edge_curve(lay, e), 0.5) for e in lay.edges]
    texts = [
        f"{html.escape(captions[e['source']][0])} → {html.escape(captions[e['target']][0])}"
        f"<br>{edge_hover(e)}"
        for e in lay.edges
    ]
    return {
        "type": "scatter",
        "name": "transitions",
        "x": [m[0] for m in middles],
        "y": [m[1] for m in middles],
        "mode": "markers",
        "marker": {"size": 14, "color": "rgba(0,0,0,0)"},
        "hovertext": texts,
        "hoverinfo": "text",
        "showlegend": False,
    }


def _node_trace(lay: MapLayout, captions: Captions) -> dict:
    """The boxes' text (step, app, count), also their hover target with the full name."""
    names = list(lay.positions)
    looks = [_look(lay, n, captions) for n in names]
    return {
        "type": "scatter",
        "name": "steps",
        "x": [_xy(lay, n)[0] for n in names],
        "y": [_xy(lay, n)[1] for n in names],
        "mode": "markers+text",
        "text": [f"<b>{html.escape(head)}</b><br>{html.escape(sub)}" for *_, head, sub in looks],
        "textfont": {"size": 12, "color": [ink for _, ink, *_ in looks]},
        "marker": {"size": 44, "symbol": "square", "color": "rgba(0,0,0,0)"},
        "hovertext": [
            f"{html.escape(captions[n][2])}<br>{lay.counts.get(n, 0):,} times" for n in names
        ],
        "hoverinfo": "text",
        "showlegend": False,
    }


def _box_shape(lay: MapLayout, node: str, captions: Captions) -> dict:
    x, y = _xy(lay, node)
    fill = _look(lay, node, captions)[0]
    half = _half_width(node)
    return {
        "type": "rect",
        "x0": x - half,
        "x1": x + half,
        "y0": y - BOX_H,
        "y1": y + BOX_H,
        "fillcolor": fill,
        "line": {"color": ACCENT if node not in (START, END) else fill, "width": 1},
        "layer": "below",
    }


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


def process_map_svg(
    edges: pl.DataFrame, min_share: float = 0, captions: Captions | None = None
) -> str:
    """The same map as a standalone SVG string (for documents without JavaScript)."""
    if edges.is_empty():
        return "<p>No events.</p>"
    lay = layout_map(prune_edges(edges, min_share), step_counts(edges))
    captions = {**default_captions(list(lay.positions)), **(captions or {})}
    width, height, (left, _), (_, top_layer) = _size(lay)

    def px(p: Point) -> str:
        return f"{(p[0] - left) * PX_COL:.0f},{(p[1] - top_layer) * PX_LAYER:.0f}"

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
        tip = html.escape(
            f"{captions[edge['source']][0]} → {captions[edge['target']][0]}: {edge_hover(edge)}"
        )
        parts.append(
            f'<path d="M{px(p0)} Q{px(c)} {px(p1)}" fill="none" stroke="{colour}" '
            f'stroke-opacity="0.55" stroke-width="{1 + 4 * edge["count"] / top:.1f}"{dash} '
            f'marker-end="url(#arrow-{marker})"><title>{tip}</title></path>'
        )
        if edge in busiest:
            x, y = px(_bezier(p0, c, p1, 0.5)).split(",")
            parts.append(f'<text x="{int(x) + 6}" y="{y}" fill="#555">{edge["count"]:,}×</text>')
    parts.extend(_svg_box(lay, node, px, captions) for node in lay.positions)
    parts.append("</svg>")
    return "".join(parts)


def _svg_box(lay: MapLayout, node: str, px: Callable[[Point], str], captions: Captions) -> str:
    x, y = _xy(lay, node)
    fill, ink, head, second = _look(lay, node, captions)
    half = _half_width(node)
    left, upper = (int(v) for v in px((x - half, y - BOX_H)).split(","))
    w, h = int(2 * half * PX_COL), int(2 * BOX_H * PX_LAYER)
    centre, middle = left + w // 2, upper + h // 2
    return (
        f'<g><title>{html.escape(captions[node][2])}</title><rect x="{left}" y="{upper}" '
        f'width="{w}" height="{h}" rx="6" fill="{fill}" stroke="{ACCENT}" stroke-width="1"/>'
        f'<text x="{centre}" y="{middle - 3}" text-anchor="middle" fill="{ink}" '
        f'font-weight="bold">{html.escape(head)}</text>'
        f'<text x="{centre}" y="{middle + 11}" text-anchor="middle" fill="{ink}">'
        f"{html.escape(second)}</text></g>"
    )
