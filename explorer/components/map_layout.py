"""Where a process map's boxes go: left to right in layers, from ▶ start to ■ end.

Process-mining tools (Disco, Celonis, UiPath) draw the main flow as a straight line from
start to end and loops as arcs going back; a spring layout scatters the same graph. Here
the direction comes from the most frequent edges: edges are taken heaviest first unless
they would close a cycle, which makes them back-edges (loops, drawn curved). A step's
layer is its longest distance from ``▶ start`` along the forward edges; the heaviest
path from start to end runs straight along row 0 and the other steps of each layer sit
above or below it, on the side where their predecessors are.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import polars as pl

START, END = "▶ start", "■ end"
#: Most transitions a map draws: beyond this it is a tangle whatever the layout.
MAX_EDGES = 60


@dataclass(frozen=True)
class MapLayout:
    positions: dict[str, tuple[float, float]]  # node -> (layer, row); rows grow downward
    counts: dict[str, int]  # node -> how often it occurs
    edges: list[dict]  # source, target, count, median_s, kind: forward | back | self


def prune_edges(edges: pl.DataFrame, min_share: float, limit: int = MAX_EDGES) -> pl.DataFrame:
    """The transitions at least ``min_share`` % of instances take, at most ``limit``.

    Each step keeps its most frequent way in and way out even when rarer than that, so
    no box floats unconnected (Disco's path filter does the same). ``edges`` has
    ``source, target, count, median_s``; the instances are those leaving ``▶ start``.
    """
    if edges.is_empty():
        return edges
    instances = edges.filter(pl.col("source") == START)["count"].sum() or 1
    moves = pl.col("source") != pl.col("target")
    move_count = pl.when(moves).then(pl.col("count"))
    backbone = moves & (
        (pl.col("count") == move_count.max().over("source"))
        | (pl.col("count") == move_count.max().over("target"))
    )
    return (
        edges.with_columns(backbone=backbone)
        .filter(pl.col("backbone") | (pl.col("count") * 100 >= min_share * instances))
        .sort(["backbone", "count", "source", "target"], descending=[True, True, False, False])
        .head(limit)
        .sort(["count", "source", "target"], descending=[True, False, False])
        .drop("backbone")
    )


def step_counts(edges: pl.DataFrame) -> dict[str, int]:
    """How often each step occurs: its incoming transitions (start: its outgoing ones)."""
    counts = dict(edges.group_by("target").agg(pl.col("count").sum()).iter_rows())
    counts[START] = int(edges.filter(pl.col("source") == START)["count"].sum())
    return counts


def layout_map(edges: pl.DataFrame, counts: dict[str, int] | None = None) -> MapLayout:
    """Place the nodes of a DFG given as ``source, target, count, median_s`` rows.

    ``counts`` are the steps' frequencies over the unpruned map (default: over ``edges``).
    """
    rows = sorted(edges.to_dicts(), key=lambda r: (-r["count"], r["source"], r["target"]))
    forward = nx.DiGraph()
    forward.add_nodes_from(n for r in rows for n in (r["source"], r["target"]))
    for r in rows:
        if r["source"] == r["target"]:
            r["kind"] = "self"
        elif nx.has_path(forward, r["target"], r["source"]):
            r["kind"] = "back"
        else:
            forward.add_edge(r["source"], r["target"], count=r["count"])
            r["kind"] = "forward"
    layers = _layers(forward)
    rows_of = _rows(forward, layers)
    every = step_counts(edges) if counts is None else counts
    positions = {n: (float(layers[n]), float(rows_of[n])) for n in forward}
    return MapLayout(positions, {n: every.get(n, 0) for n in forward}, rows)


def _layers(forward: nx.DiGraph) -> dict[str, int]:
    """Longest distance from start; start alone in the first layer, end alone in the last."""
    layer: dict[str, int] = {}
    for node in nx.topological_sort(forward):
        before = [layer[p] + 1 for p in forward.predecessors(node)]
        layer[node] = 0 if node == START else max([1, *before])
    if END in layer:
        layer[END] = 1 + max((d for n, d in layer.items() if n != END), default=0)
    return layer


def _rows(forward: nx.DiGraph, layers: dict[str, int]) -> dict[str, float]:
    """Row per node: the heaviest start-to-end path on row 0, the others beside it."""
    spine = _heaviest_path(forward)
    by_layer: dict[int, list[str]] = {}
    for node in sorted(forward, key=lambda n: (layers[n], n)):
        by_layer.setdefault(layers[node], []).append(node)
    row: dict[str, float] = {}
    for depth in sorted(by_layer):
        nodes = by_layer[depth]
        pull = {n: _barycentre(forward, n, row) for n in nodes}
        on_spine = [n for n in nodes if n in spine]
        others = sorted((n for n in nodes if n not in spine), key=lambda n: (pull[n], n))
        if not on_spine:
            for i, node in enumerate(others):
                row[node] = i - (len(others) - 1) / 2
            continue
        row[on_spine[0]] = 0.0
        above = [n for n in others if pull[n] < 0]
        below = [n for n in others if pull[n] >= 0]
        for i, node in enumerate(reversed(above)):
            row[node] = -1.0 - i
        for i, node in enumerate(below):
            row[node] = 1.0 + i
    return row


def _barycentre(forward: nx.DiGraph, node: str, row: dict[str, float]) -> float:
    """Mean row of the placed predecessors, weighted by edge count (0.5: below the spine)."""
    placed = [(row[p], forward[p][node]["count"]) for p in forward.predecessors(node) if p in row]
    weight = sum(w for _, w in placed)
    return sum(r * w for r, w in placed) / weight if weight else 0.5


def _heaviest_path(forward: nx.DiGraph) -> set[str]:
    """The start-to-end path along which the most instances flow, step by step."""
    if START not in forward:
        return set()
    path, node = {START}, START
    while forward.out_degree(node):
        node = max(forward.successors(node), key=lambda s: (forward[node][s]["count"], s))
        path.add(node)
    return path
