"""The process map's layout and drawing on small directly-follows graphs of known shape."""

from __future__ import annotations

import polars as pl

from explorer.components.map_layout import END, START, layout_map, prune_edges
from explorer.components.process_map import process_map_figure, process_map_svg, step_caption
from explorer.components.steps import step_captions, with_captions

#: 10 instances: start → a → b → c → end, 3 skip b, b repeats twice, c goes back to b once.
EDGES = pl.DataFrame(
    [
        (START, "a", 10, None),
        ("a", "b", 7, 2.0),
        ("b", "c", 8, 3.0),
        ("a", "c", 3, 4.0),
        ("c", END, 10, None),
        ("b", "b", 2, 1.0),
        ("c", "b", 1, 5.0),
    ],
    schema={"source": pl.String, "target": pl.String, "count": pl.Int64, "median_s": pl.Float64},
    orient="row",
)


def test_layout_runs_left_to_right_from_start_to_end() -> None:
    lay = layout_map(EDGES)
    x = {node: pos[0] for node, pos in lay.positions.items()}
    assert x[START] < min(v for n, v in x.items() if n != START)
    assert x[END] > max(v for n, v in x.items() if n != END)
    kinds = {(e["source"], e["target"]): e["kind"] for e in lay.edges}
    assert kinds[("b", "b")] == "self" and kinds[("c", "b")] == "back"
    for (source, target), kind in kinds.items():
        if kind == "forward":
            assert x[source] < x[target], (source, target)
    # the heaviest path runs straight along one row
    assert {lay.positions[n][1] for n in (START, "a", "b", "c", END)} == {0.0}
    assert lay.counts == {START: 10, "a": 10, "b": 10, "c": 11, END: 10}


def test_a_side_branch_sits_beside_the_main_path() -> None:
    branch = pl.concat(
        [
            EDGES,
            pl.DataFrame(
                [("a", "x", 2, 1.0), ("x", "c", 2, 1.0)], schema=EDGES.schema, orient="row"
            ),
        ]
    )
    lay = layout_map(branch)
    assert lay.positions["x"][0] == lay.positions["b"][0]
    assert lay.positions["x"][1] != lay.positions["b"][1]


def test_pruning_keeps_frequent_edges_and_every_steps_strongest_links() -> None:
    kept = {(s, t) for s, t in prune_edges(EDGES, 50).select("source", "target").iter_rows()}
    assert kept == {(START, "a"), ("a", "b"), ("b", "c"), ("c", END)}
    assert prune_edges(EDGES, 0).height == EDGES.height
    assert prune_edges(EDGES, 0, limit=3).height == 3


def test_step_captions_are_short_and_name_the_app() -> None:
    assert step_caption("click|AcroRd32.exe|Invoice date|Invoice_A<num>.pdf - Adobe|") == (
        "click Invoice date",
        "AcroRd32",
    )
    assert step_caption("focus|chrome.exe||<*> | Salesforce - Google Chrome|") == (
        "focus Salesforce",
        "chrome",
    )
    head, _ = step_caption("type|SAP|A very long field name indeed|x|")
    assert len(head) <= 22 and head.endswith("…")


def test_figure_and_svg_draw_every_node_and_edge() -> None:
    figure = process_map_figure(EDGES)
    nodes = figure["data"][-1]
    assert len(nodes["text"]) == 5 and len(figure["layout"]["shapes"]) == 5
    hover = " ".join(figure["data"][-2]["hovertext"])
    assert "7 instances · median 2.0 s" in hover
    svg = process_map_svg(EDGES)
    assert svg.count("<rect") == 5 and svg.count("marker-end=") == EDGES.height


def test_a_step_caption_keeps_a_recorded_target_whole() -> None:
    target = "Note: see · window “x”"  # recorded text that looks like the captions' own
    steps = pl.DataFrame(
        {
            "label": ["type|Excel|Note|t"],
            "step_no": [2],
            "action": ["type|Excel|Note|t"],
            "kind": ["type"],
            "app": ["Excel"],
            "target": [target],
            "window_template": ["Book <n>.xlsx"],
        }
    )
    assert with_captions(steps)["caption"].to_list() == [f"type “{target}” in Excel"]
    full = step_captions(steps)["type|Excel|Note|t"][2]
    assert full == f"Step 2: type “{target}” in Excel · window “Book ….xlsx”"
