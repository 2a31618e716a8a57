"""Process detail: map, variants, consensus steps, instances with replay, decisions, exports."""

from __future__ import annotations

import json

import dash
import polars as pl
from dash import Input, Output, State, dcc, html

from explorer import export, queries
from explorer.components.common import (
    card,
    factor_table,
    fmt_duration,
    fmt_number,
    fmt_share,
    kpi_row,
    page_header,
    problem,
)
from explorer.components.filmstrip import replay, step_filmstrip
from explorer.components.process_map import process_map_figure
from explorer.components.tables import (
    grid,
    number_column,
    percent_column,
    records,
    text_column,
)
from explorer.context import current
from storage.errors import TaskmineError

dash.register_page(
    __name__, path_template="/process/<key>", name="Process", title="Process · taskmine"
)

EXPORT_BUTTONS = {
    "process-export-bpmn": ("bpmn", "BPMN 2.0"),
    "process-export-pdd": ("pdd", "Process document (HTML)"),
    "process-export-pdd-md": ("pdd-md", "Process document (Markdown)"),
    "process-export-workflow": ("workflow", "Workflow JSON"),
    "process-export-skeleton": ("skeleton", "Python script skeleton"),
    "process-export-xes": ("xes", "XES log"),
    "process-export-csv": ("csv", "CSV of instances"),
}
DECISION_BUTTONS = (
    "process-rename",
    "process-dismiss",
    "process-split",
    "process-merge",
    "process-restore",
)


def layout(key: str | None = None, **_: object) -> html.Div:
    ctx = current()
    try:
        detail = queries.read_process(ctx.db, str(key), ctx.config.review_confidence)
    except TaskmineError as exc:
        return html.Div([page_header("Candidate process"), problem(exc)])
    row = detail.row
    factors = {
        k.removeprefix("factor_"): v
        for k, v in row.items()
        if k.startswith("factor_") and v is not None
    }
    return html.Div(
        [
            dcc.Store(id="process-key", data=row["key"]),
            dcc.Store(id="process-signature", data=row["signature"]),
            dcc.Location(id="process-nav", refresh=True),
            page_header(row["name"], _subtitle(detail), _badges(detail)),
            kpi_row(
                [
                    ("score", f"{row['score']:.2f}"),
                    ("confidence", fmt_share(row["confidence"])),
                    ("instances", fmt_number(row["n_instances"])),
                    ("users", fmt_number(row["n_users"])),
                    ("per week", fmt_number(row["per_week"], 1)),
                    ("mean duration", fmt_duration(row["mean_duration_s"])),
                    ("hours saved / month", fmt_number(row["hours_saved_per_month"], 1)),
                    ("variants", fmt_number(row["n_variants"])),
                ]
            ),
            html.Div([_decisions_card(detail), _exports_card()], className="grid-2"),
            _map_card(str(row["key"])),
            html.Div(
                [
                    card("Why it ranks here: score factors", factor_table(factors)),
                    card("Variants", _variants_grid(detail)),
                ],
                className="grid-2",
            ),
            card(
                "Consensus workflow",
                _steps_grid(detail),
                _transfers(detail),
                html.H3("Screens, step by step"),
                step_filmstrip(detail.steps),
            ),
            _instances_card(str(row["key"])),
        ]
    )


def _map_card(key: str) -> html.Section:
    """The map over the main path, drawn with the page so it needs no second round trip."""
    return card(
        "Process map",
        html.Label("Show the steps and transitions at least this share of instances go through"),
        dcc.Slider(
            id="process-coverage",
            min=0,
            max=100,
            step=5,
            value=queries.MAIN_PATH_SHARE,
            marks={0: "all", 20: "20%", 50: "50%", 80: "80%", 100: "100%"},
        ),
        dcc.Loading(
            html.Div(
                dcc.Graph(
                    id="process-map",
                    figure=update_map(queries.MAIN_PATH_SHARE, key),
                    config={"displaylogo": False, "responsive": False},
                ),
                className="map-scroll",
            )
        ),
        html.P(
            "Left to right from start to end; darker boxes and wider arrows are more "
            "frequent; dashed orange arcs go back (loops). Hover an arrow for its count "
            "and median time.",
            className="muted",
        ),
    )


def _instances_card(key: str) -> html.Section:
    ctx = current()
    found = queries.read_instances(ctx.db, key, ctx.config.max_rows)
    # AG Grid wants string row ids; the click handler reads the instance back from it
    rows = records(found.with_columns(rid=pl.col("instance_id").cast(pl.String)))
    return card(
        "Instances",
        html.P("Click an instance to replay its events.", className="muted"),
        grid("process-instances", _INSTANCE_COLUMNS, rows, row_id="rid", height=300),
        html.Div(id="process-replay"),
    )


def _subtitle(detail: queries.ProcessDetail) -> str:
    apps = ", ".join(detail.row["apps"] or []) or "unknown apps"
    return f"Candidate {detail.row['key']} of mining run {detail.run_id} · {apps}"


def _badges(detail: queries.ProcessDetail) -> html.Div:
    row = detail.row
    badges = []
    if row["dismissed"]:
        badges.append(html.Span("not a process", className="badge badge-warn"))
    if row["note"]:
        badges.append(html.Span(row["note"], className="badge"))
    if row["confidence"] < current().config.review_confidence:
        badges.append(html.Span("in review queue", className="badge badge-warn"))
    return html.Div(badges)


def _decisions_card(detail: queries.ProcessDetail) -> html.Section:
    split = detail.unit.variant_id is not None
    return card(
        "Analyst decisions",
        html.Div(
            [
                dcc.Input(
                    id="process-name-input",
                    type="text",
                    value=detail.row["name"],
                    debounce=False,
                    placeholder="a name an analyst would use",
                ),
                html.Button("Rename", id="process-rename"),
            ],
            className="actions",
        ),
        html.Div(
            [
                dcc.Dropdown(
                    id="process-merge-with",
                    placeholder="merge another candidate into this",
                    options=[{"label": n, "value": s} for s, n in detail.candidates],
                    style={"minWidth": "300px"},
                ),
                html.Button("Merge", id="process-merge", className="secondary"),
            ],
            className="actions",
            style={"marginTop": "10px"},
        ),
        html.Div(
            [
                html.Button(
                    "Split by variant", id="process-split", className="secondary", disabled=split
                ),
                html.Button("Not a process", id="process-dismiss", className="danger"),
                html.Button(
                    "Undo merge / split / dismissal", id="process-restore", className="secondary"
                ),
            ],
            className="actions",
            style={"marginTop": "10px"},
        ),
        html.Div(id="process-decision-status", className="muted"),
    )


def _exports_card() -> html.Section:
    return card(
        "Export",
        html.P(
            "Hand this candidate to an RPA developer or another process-mining tool.",
            className="muted",
        ),
        html.Div(
            [
                html.Button(label, id=bid, className="secondary")
                for bid, (_, label) in EXPORT_BUTTONS.items()
            ],
            className="actions",
        ),
        dcc.Download(id="process-download"),
    )


_STEP_COLUMNS = [
    number_column("step_no", "#", maxWidth=70),
    text_column("kind", "Kind", maxWidth=110),
    text_column("app", "App", maxWidth=140),
    text_column("target", "Target"),
    text_column("window_template", "Window"),
    percent_column("support", "Support", maxWidth=110),
    text_column("flags", "Flags", maxWidth=150),
    text_column("input_slot", "Input that varies"),
    text_column("examples", "Example values"),
    text_column("transfer", "Data transfer"),
]


def _steps_grid(detail: queries.ProcessDetail) -> object:
    rows = []
    for s in detail.steps.iter_rows(named=True):
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
    return grid("process-steps", _STEP_COLUMNS, rows, height=min(480, 60 + 42 * len(rows)))


def _transfers(detail: queries.ProcessDetail) -> html.Div:
    """Values carried from one step (often one app) to another: what a bot must copy."""
    steps = {s["step_no"]: s for s in detail.steps.iter_rows(named=True)}
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


def _variants_grid(detail: queries.ProcessDetail) -> object:
    columns = [
        number_column("variant_id", "Variant", maxWidth=100),
        number_column("n_instances", "Instances", maxWidth=120),
        percent_column("share", "Share", maxWidth=100),
        number_column("mean_duration_s", "Mean duration", 0, " s", maxWidth=150),
        text_column("actions", "Actions", minWidth=400, tooltipField="actions"),
    ]
    rows = records(
        detail.variants.with_columns(actions=detail.variants["actions"].list.join(" → "))
    )
    return grid("process-variants", columns, rows, height=260)


_INSTANCE_COLUMNS = [
    number_column("instance_id", "Instance", maxWidth=120),
    text_column("user_id", "User"),
    text_column("start_ts", "Start"),
    number_column("duration_s", "Duration", 0, " s"),
    number_column("n_events", "Events"),
    number_column("variant_id", "Variant"),
]


@dash.callback(
    Output("process-map", "figure"),
    Input("process-coverage", "value"),
    State("process-key", "data"),
    prevent_initial_call=True,
)
def update_map(min_share: int, key: str) -> dict:
    """The map over the steps and transitions at least ``min_share`` % of instances take."""
    edges = queries.read_process_map(current().db, key, min_share)
    return process_map_figure(edges, min_share)


@dash.callback(
    Output("process-replay", "children"),
    Input("process-instances", "cellClicked"),
    prevent_initial_call=True,
)
def show_replay(cell: dict | None) -> object:
    if not cell or cell.get("rowId") is None:
        return dash.no_update
    ctx = current()
    events = queries.read_instance_events(ctx.db, int(cell["rowId"]), ctx.config.max_rows)
    return html.Div(
        [html.H3(f"Replay of instance {cell['rowId']}"), replay(events)], id="process-replay-view"
    )


@dash.callback(
    Output("process-download", "data"),
    *(Input(b, "n_clicks") for b in EXPORT_BUTTONS),
    State("process-key", "data"),
    prevent_initial_call=True,
)
def download(*args: object) -> dict:
    """One download per export button, rendered by `explorer.export`."""
    key = args[-1]
    fmt = EXPORT_BUTTONS[dash.ctx.triggered_id][0]
    done = export.export(current().db, str(key), fmt)
    return dcc.send_bytes(done.content, done.filename, type=done.mimetype)


@dash.callback(
    Output("process-nav", "href"),
    Output("process-decision-status", "children"),
    *(Input(b, "n_clicks") for b in DECISION_BUTTONS),
    State("process-key", "data"),
    State("process-signature", "data"),
    State("process-name-input", "value"),
    State("process-merge-with", "value"),
    prevent_initial_call=True,
)
def decide(*args: object) -> tuple:
    """Record the decision, then reload (a split changes the key: back to the ranking)."""
    key, signature, name, other = args[-4:]
    action = dash.ctx.triggered_id
    return apply_decision(str(action), str(key), str(signature), name, other)


def apply_decision(
    button: str, key: str, signature: str, name: str | None, other: str | None
) -> tuple:
    """What a decision button does; a plain function so tests can call it."""
    db = current().db
    if button == "process-rename":
        if not (name or "").strip():
            return dash.no_update, "Type a name first."
        queries.record_decision(db, "rename", signature, value=name.strip())
    elif button == "process-merge":
        if not other:
            return dash.no_update, "Choose the candidate to merge into this one."
        queries.record_decision(db, "merge", signature, other=other)
    else:
        action = {
            "process-dismiss": "not_process",
            "process-split": "split",
            "process-restore": "restore",
        }[button]
        queries.record_decision(db, action, signature)
        if action == "split":
            return "/opportunities", ""
        if action == "restore":
            return f"/process/{key.split('.')[0]}", ""
    return f"/process/{key}", ""
