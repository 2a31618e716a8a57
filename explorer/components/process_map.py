"""The process map (directly-follows graph): a layered layout, as plotly figure and as SVG.

The layout is computed once here and drawn twice: interactively in the explorer and as a
static inline SVG in the process definition document, so both show the same picture.
Nodes are placed top to bottom by their longest distance from ``▶ start`` along the most
frequent edges (back-edges of loops are ignored for the layering).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import networkx as nx
import polars as pl

START, END = "▶ start", "■ end"
ACCENT = "#3451b2"
MAX_EDGES = 40
LABELLED_EDGES = 20  # the rest carry no text, or labels hide the map
SPREAD = 2.4  # horizontal distance between nodes of one layer, room for a label


@dataclass(frozen=True)
class MapLayout:
    positions: dict[str, tuple[float, float]]  # node -> (x, layer)
    counts: dict[str, int]  # node -> how often it occurs
    edges: list[dict]  # source, target, count, median_s


def layout_map(edges: pl.DataFrame) -> MapLayout:
    """Place the nodes of a DFG given as ``source, target, count, median_s`` rows."""
    rows = edges.to_dicts()
    graph = nx.DiGraph()
    for r in sorted(rows, key=lambda r: -r["count"]):
        graph.add_edge(r["source"], r["target"])
        if not nx.is_directed_acyclic_graph(graph):
            graph.remove_edge(r["source"], r["target"])
    graph.add_nodes_from(n for r in rows for n in (r["source"], r["target"]))
    layer: dict[str, int] = {}
    for node in nx.topological_sort(graph):
        preds = list(graph.predecessors(node))
        layer[node] = 1 + max((layer[p] for p in preds), default=-1 if node == START else 0)
    if END in layer:
        layer[END] = max(layer.values())
    by_layer: dict[int, list[str]] = {}
    for node, depth in sorted(layer.items(), key=lambda kv: (kv[1], kv[0])):
        by_layer.setdefault(depth, []).append(node)
    positions = {
        node: (SPREAD * (i - (len(nodes) - 1) / 2), float(depth))
        for depth, nodes in by_layer.items()
        for i, node in enumerate(nodes)
    }
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["target"]] = counts.get(r["target"], 0) + r["count"]
    counts[START] = sum(r["count"] for r in rows if r["source"] == START)
    return MapLayout(positions, counts, rows)


def edge_label(count: int, median_s: float | None) -> str:
    return f"{count}×" if median_s is None else f"{count}× · {median_s:.0f} s"


def top_edges(edges: pl.DataFrame, limit: int = MAX_EDGES) -> pl.DataFrame:
    """The ``limit`` most frequent transitions: a map with hundreds of edges is unreadable."""
    return edges.sort("count", descending=True, maintain_order=True).head(limit)


def process_map_figure(edges: pl.DataFrame) -> dict:
    """An interactive map: node size by frequency, edge width by count, labels on edges.

    Returned as a plain figure dict (Dash sends it as is): building hundreds of validated
    plotly objects costs more than the query. Edges are a few traces, one per width band.
    """
    if edges.is_empty():
        return _empty_figure("No events for this selection")
    shown = top_edges(edges)
    lay = layout_map(shown)
    top = max(r["count"] for r in lay.edges)
    bands: dict[int, tuple[list, list]] = {}
    annotations = []
    for rank, r in enumerate(lay.edges):
        (x0, y0), (x1, y1) = lay.positions[r["source"]], lay.positions[r["target"]]
        xm, ym = (x0 + x1) / 2 + _bend(y0, y1, 0.45), (y0 + y1) / 2
        xs, ys = bands.setdefault(min(3, int(4 * r["count"] / top)), ([], []))
        xs.extend([x0, xm, x1, None])
        ys.extend([y0, ym, y1, None])
        if rank < LABELLED_EDGES:
            annotations.append(
                {
                    "x": xm,
                    "y": ym,
                    "text": edge_label(r["count"], r["median_s"]),
                    "showarrow": False,
                    "xanchor": "left",
                    "xshift": 6,
                    "font": {"size": 10, "color": "#444"},
                    "bgcolor": "rgba(255,255,255,0.85)",
                }
            )
        annotations.append(
            {
                "x": x1,
                "y": y1 - 0.18,
                "ax": xm,
                "ay": ym,
                "xref": "x",
                "yref": "y",
                "axref": "x",
                "ayref": "y",
                "showarrow": True,
                "arrowhead": 2,
                "arrowsize": 1.2,
                "arrowcolor": "rgba(52,81,178,0.7)",
                "text": "",
            }
        )
    data = [
        {
            "type": "scatter",
            "x": xs,
            "y": ys,
            "mode": "lines",
            "hoverinfo": "skip",
            "showlegend": False,
            "line": {"width": 1.5 + 1.5 * band, "color": "rgba(52,81,178,0.45)", "shape": "spline"},
        }
        for band, (xs, ys) in sorted(bands.items())
    ]
    names = list(lay.positions)
    data.append(
        {
            "type": "scatter",
            "x": [lay.positions[n][0] for n in names],
            "y": [lay.positions[n][1] for n in names],
            "mode": "markers+text",
            "text": [_short(n) for n in names],
            "textposition": "middle right",
            "hovertext": [f"{n}<br>{lay.counts.get(n, 0)} times" for n in names],
            "hoverinfo": "text",
            "showlegend": False,
            "marker": {
                "size": [14 if n in (START, END) else 18 for n in names],
                "color": [
                    "#2f9e44" if n == START else "#c92a2a" if n == END else ACCENT for n in names
                ],
                "line": {"width": 2, "color": "white"},
            },
        }
    )
    if shown.height < edges.height:
        annotations.append(
            {
                "text": f"the {shown.height} most frequent of {edges.height} transitions",
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 1,
                "showarrow": False,
                "xanchor": "left",
                "font": {"size": 11, "color": "#667085"},
            }
        )
    depth = max(y for _, y in lay.positions.values())
    layout = {
        "height": max(360, 90 * (depth + 1)),
        "margin": {"l": 10, "r": 10, "t": 24, "b": 10},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "annotations": annotations,
        "xaxis": {"visible": False, "range": _x_range(lay)},
        "yaxis": {"visible": False, "autorange": "reversed"},
    }
    return {"data": data, "layout": layout}


def _bend(y0: float, y1: float, size: float) -> float:
    """Edges that go back up (loops) or skip layers curve aside instead of crossing nodes."""
    return size if y1 <= y0 or y1 - y0 > 1 else 0.0


def _x_range(lay: MapLayout) -> list[float]:
    xs = [x for x, _ in lay.positions.values()]
    return [min(xs) - 0.6, max(xs) + SPREAD]


def _short(label: str, width: int = 30) -> str:
    """A node's caption: the parts of an action label (``kind|app|target|…``), shortened."""
    parts = [p for p in label.split("|") if p][:3]
    text = " · ".join(parts) if parts else label
    return text if len(text) <= width else text[: width - 1] + "…"


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


def process_map_svg(edges: pl.DataFrame) -> str:
    """The same map as a standalone SVG string (for documents without JavaScript)."""
    if edges.is_empty():
        return "<p>No events.</p>"
    lay = layout_map(top_edges(edges))
    xs = [x for x, _ in lay.positions.values()]
    px_per_unit, step_y = 110, 80
    width = int((max(xs) - min(xs)) * px_per_unit + 320)
    height = int(step_y * (max(y for _, y in lay.positions.values()) + 1) + 40)

    def point(node: str) -> tuple[float, float]:
        x, y = lay.positions[node]
        return 30 + (x - min(xs)) * px_per_unit, 30 + y * step_y

    top = max(r["count"] for r in lay.edges)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
        f'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{ACCENT}"/>'
        "</marker></defs>",
    ]
    for r in lay.edges:
        (x0, y0), (x1, y1) = point(r["source"]), point(r["target"])
        layers = lay.positions[r["source"]][1], lay.positions[r["target"]][1]
        cx, cy = (x0 + x1) / 2 + _bend(*layers, 60), (y0 + y1) / 2
        stroke = 1 + 4 * r["count"] / top
        parts.append(
            f'<path d="M{x0:.0f},{y0:.0f} Q{cx:.0f},{cy:.0f} {x1:.0f},{y1 - 9:.0f}" '
            f'fill="none" stroke="{ACCENT}" stroke-opacity="0.5" stroke-width="{stroke:.1f}" '
            'marker-end="url(#arrow)"/>'
            f'<text x="{cx + 4:.0f}" y="{cy:.0f}" fill="#555">'
            f"{html.escape(edge_label(r['count'], r['median_s']))}</text>"
        )
    for node in lay.positions:
        x, y = point(node)
        colour = "#2f9e44" if node == START else "#c92a2a" if node == END else ACCENT
        parts.append(
            f'<circle cx="{x:.0f}" cy="{y:.0f}" r="8" fill="{colour}"/>'
            f'<text x="{x + 14:.0f}" y="{y + 4:.0f}">{html.escape(_short(node, 40))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
