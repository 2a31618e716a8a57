"""The process map's transitions, from the paths instances take through the consensus steps.

Mining names each instance's variant by the consensus steps it goes through, in order
(`variants.actions`). Weighted by how many of the chosen instances take each variant,
those paths give the map: one box per step, and a transition wherever an instance goes
from one shown step to the next shown one (rare steps are projected out, as Disco's
activity filter does, so hiding them never cuts the map apart). Pure functions.
"""

from __future__ import annotations

from collections import Counter

import polars as pl

from explorer.components.map_layout import END, START

#: The main path: the steps at least this share (%) of instances go through...
MAIN_PATH_SHARE = 50
#: ...and never fewer than this many steps, so that a varied routine still shows a path.
MAIN_PATH_MIN_STEPS = 3
EDGE_SCHEMA = {
    "source": pl.String,
    "target": pl.String,
    "count": pl.Int64,
    "median_s": pl.Float64,
}


def step_shares(paths: pl.DataFrame) -> dict[str, float]:
    """Share of instances that go through each step; ``paths`` has ``actions, n``."""
    total = int(paths["n"].sum() or 0)
    through: Counter = Counter()
    for actions, n in paths.select("actions", "n").iter_rows():
        for step in set(actions):
            through[step] += n
    return {step: count / total for step, count in through.items()} if total else {}


def share_for(detail: float, shares: dict[str, float]) -> float:
    """The share (%) a step needs to be shown at a ``detail`` of 0 (the main path) to 100
    (every step): from the main path's share down to zero."""
    ranked = sorted(shares.values(), reverse=True)
    floor = ranked[MAIN_PATH_MIN_STEPS - 1] if len(ranked) >= MAIN_PATH_MIN_STEPS else 0.0
    main = min(MAIN_PATH_SHARE, 100 * floor)
    return main * (1 - max(0.0, min(float(detail), 100.0)) / 100)


def shown_steps(shares: dict[str, float], min_share: float) -> set[str]:
    return {s for s, share in shares.items() if 100 * share >= min_share - 1e-9}


def path_edges(paths: pl.DataFrame, shown: set[str]) -> pl.DataFrame:
    """``source, target, count, median_s`` between the shown steps, from ``▶ start`` to
    ``■ end``; ``paths`` has ``actions, n`` (instances taking that path)."""
    edges: Counter = Counter()
    for actions, n in paths.select("actions", "n").iter_rows():
        kept = [a for a in actions if a in shown]
        if not kept:
            continue
        for source, target in zip([START, *kept], [*kept, END], strict=True):
            edges[(source, target)] += n
    rows = [(s, t, c, None) for (s, t), c in edges.items()]
    return pl.DataFrame(rows, schema=EDGE_SCHEMA, orient="row").sort(
        ["count", "source", "target"], descending=[True, False, False]
    )
