"""Consensus steps in words: box captions for the map, variant paths, the steps table."""

from __future__ import annotations

import json
import re

import polars as pl
from dash import html

from explorer.components.map_layout import END, START
from explorer.components.process_map import CAPTION_CHARS, Captions, step_caption
from explorer.components.tables import grid, number_column, percent_column, records, text_column

#: The variants table lists the most taken ones (most are taken by one instance each).
MAX_VARIANTS = 50


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def step_captions(steps: pl.DataFrame) -> Captions:
    """Per step label: ``("3. click Invoice date", "AcroRd32", full description)``.

    ``steps`` has ``label, step_no, action, kind, app, target, window_template``; the
    step number keeps two steps with the same action apart on the map.
    """
    out: Captions = {START: (START, "", "where instances begin"), END: (END, "", "where they end")}
    for s in steps.iter_rows(named=True):
        head, app, what = _described(s)
        window = re.sub(r"<[^>]*>", "…", s["window_template"] or "")
        full = f"Step {s['step_no']}: {what}" + (f" · window “{window}”" if window else "")
        out[s["label"]] = (head, app, full)
    return out


def _described(step: dict) -> tuple[str, str, str]:
    """A step's box text, its app and what it does: ``click “Save” in SAP``."""
    what, app = step_caption(step["action"], 200)
    kind = (step["kind"] or what.split(" ")[0]).replace("_", " ")
    target = step["target"] or what.removeprefix(kind).strip()
    head = _short(f"{step['step_no']}. {kind} {target}".strip(), CAPTION_CHARS)
    return head, app, f"{kind} “{target}”" + (f" in {app}" if app else "")


def with_captions(steps: pl.DataFrame) -> pl.DataFrame:
    """``steps`` with a ``caption`` column: what each step does, without its number."""
    captions = [_described(s)[2] for s in steps.iter_rows(named=True)]
    return steps.with_columns(caption=pl.Series(captions, dtype=pl.String))


def path_text(actions: list[str], captions: Captions) -> str:
    """A variant's path in words: ``1. click Inbox → 2. open Invoice → …``."""
    return " → ".join(
        (captions.get(a) or (step_caption(a, CAPTION_CHARS)[0], "", ""))[0] for a in actions
    )


_STEP_COLUMNS = [
    number_column("step_no", "#", maxWidth=70),
    text_column("kind", "Kind", maxWidth=110),
    text_column("app", "App", maxWidth=140),
    text_column("target", "Target", tooltipField="target"),
    text_column("window_template", "Window", tooltipField="window_template"),
    percent_column("support", "Support", maxWidth=110),
    text_column("flags", "Flags", maxWidth=150),
    text_column("input_slot", "Input that varies"),
    text_column("examples", "Example values", tooltipField="examples"),
    text_column("transfer", "Data transfer"),
]


def steps_grid(grid_id: str, steps: pl.DataFrame) -> object:
    rows = []
    for s in steps.iter_rows(named=True):
        flags = [f for f, on in (("optional", s["optional"]), ("repeated", s["repeated"])) if on]
        rows.append(
            {
                **{
                    k: s[k]
                    for k in ("step_no", "kind", "app", "target", "window_template", "support")
                },
                "flags": ", ".join(flags),
                "input_slot": s["input_slot"] or ("varies" if s["varies"] else ""),
                "examples": ", ".join(map(str, json.loads(s["example_values"] or "[]")[:3])),
                "transfer": ""
                if s["transfer_from_step"] is None
                else f"pasted from step {s['transfer_from_step']}",
            }
        )
    return grid(grid_id, _STEP_COLUMNS, rows, height=min(480, 60 + 42 * len(rows)))


def transfers(steps_frame: pl.DataFrame) -> html.Div:
    """Values carried from one step (often one app) to another: what a bot must copy."""
    steps = {s["step_no"]: s for s in steps_frame.iter_rows(named=True)}
    items = [
        html.Li(
            f"step {s['transfer_from_step']} ({steps[s['transfer_from_step']]['app'] or '?'})"
            f" → step {no} ({s['app'] or '?'}): {s['target'] or s['action']}"
        )
        for no, s in steps.items()
        if s["transfer_from_step"] is not None and s["transfer_from_step"] in steps
    ]
    if not items:
        return html.P("No data is carried between steps.", className="muted")
    return html.Div([html.H3("Data transfers"), html.Ul(items, id="process-transfers")])


def variants_grid(grid_id: str, variants: pl.DataFrame, steps: pl.DataFrame) -> object:
    """The variants, most taken first, each path in words; a row id ``process.variant``."""
    captions = step_captions(steps)
    columns = [
        number_column("variant_id", "Variant", maxWidth=100),
        number_column("n_instances", "Instances", maxWidth=120),
        percent_column("share", "Share", maxWidth=100),
        number_column("mean_duration_s", "Mean duration", 0, " s", maxWidth=150),
        text_column("actions", "Path", minWidth=400, tooltipField="actions"),
    ]
    variants = variants.head(MAX_VARIANTS)
    rows = records(
        variants.with_columns(
            actions=pl.Series([path_text(a, captions) for a in variants["actions"].to_list()]),
            rid=pl.format("{}.{}", "process_id", "variant_id"),
        )
    )
    return grid(grid_id, columns, rows, row_id="rid", height=260)
