"""The review of one candidate on one page: figures and savings, decisions, the process
map with its variants, the consensus steps with their screens, exports and instances.

Filters travel in the URL (``/process/3?users=u1&start=2026-03-02``): every figure, the
map, the variants and the instances are over the instances they keep.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import dash
import polars as pl
from dash import ALL, Input, Output, State, dcc, html

from explorer import export, queries
from explorer.components.common import (
    card,
    factor_table,
    fmt_duration,
    fmt_number,
    fmt_rate,
    fmt_share,
    kpi_row,
    notice,
    page_header,
    problem,
)
from explorer.components.filmstrip import (
    image_sources,
    lightbox_frame,
    lightbox_state,
    replay,
    replay_shots,
    shots_of,
    step_filmstrip,
)
from explorer.components.filters import (
    filter_bar,
    filter_values,
    filters_of,
    filters_query,
    process_href,
)
from explorer.components.map_layout import END, START
from explorer.components.process_map import process_map_figure
from explorer.components.review import (
    EXPORT_BUTTONS,
    badges,
    decisions_card,
    exports_card,
    file_name,
)
from explorer.components.savings import (
    AUTOMATION_RATE,
    HOURLY_COST,
    assumptions_editor,
    how_computed,
    savings_figures,
)
from explorer.components.steps import (
    step_captions,
    steps_grid,
    transfers,
    variants_grid,
    with_captions,
)
from explorer.components.tables import grid, number_column, records, text_column
from explorer.context import current
from explorer.errors import MovedProcessError
from explorer.figures import FACTORS, FORMULAS
from explorer.process_paths import path_edges, share_for, shown_steps, step_shares
from explorer.queries.facts import step_labels
from explorer.savings import assumptions_from, explain_interval
from storage.errors import TaskmineError

dash.register_page(
    __name__, path_template="/process/<key>", name="Process", title="Process · taskmine"
)

DECISION_BUTTONS = (
    "process-rename",
    "process-confirm",
    "process-dismiss",
    "process-split",
    "process-merge",
    "process-undo",
)
STEP_SHOTS, REPLAY_SHOTS = "process-step-shot", "process-replay-shot"


def layout(key: str | None = None, **query: object) -> html.Div:
    ctx = current()
    values = filter_values(query)
    filters = _filters(values)
    try:
        detail = queries.read_process(
            ctx.db,
            str(key),
            ctx.config.review_confidence,
            filters=filters,
            assumptions=ctx.config.assumptions,
        )
        options = queries.read_filter_options(ctx.db)
    except MovedProcessError as exc:
        return _moved(exc)
    except TaskmineError as exc:
        return html.Div([page_header("Candidate process"), problem(exc)])
    steps = with_captions(detail.steps.with_columns(label=step_labels()))
    query = filters_query(**values)
    return html.Div(
        [
            *_stores(detail, steps, query),
            page_header(detail.row["name"], _subtitle(detail), _badges(detail)),
            filter_bar("process", options, ctx.config.user_groups, values),
            _figures(detail),
            html.Div(
                [
                    _savings_card(detail),
                    decisions_card(
                        detail.row,
                        detail.candidates,
                        detail.split_preview,
                        detail.undo,
                        detail.unit.part is not None,
                    ),
                ],
                className="grid-2",
            ),
            _map_card(detail, steps, query),
            card(
                "Consensus workflow",
                steps_grid("process-steps", steps),
                transfers(detail.steps),
                html.H3("Screens, step by step"),
                html.P("Click a screen to see it large, with the click marked.", className="muted"),
                step_filmstrip(steps, STEP_SHOTS, "process-steps-strip"),
            ),
            html.Div(
                [
                    card(
                        "Why it ranks here: score factors",
                        factor_table(_factors(detail.row), FORMULAS),
                        how_computed("process-how", FORMULAS),
                    ),
                    exports_card(),
                ],
                className="grid-2",
            ),
            _instances_card(str(detail.row["key"]), filters),
            lightbox_frame("process-lightbox"),
        ]
    )


def _stores(detail: queries.ProcessDetail, steps: pl.DataFrame, query: str) -> list:
    """What the page's callbacks need to know, kept in the page."""
    row = detail.row
    return [
        dcc.Store(id="process-key", data=row["key"]),
        dcc.Store(id="process-signature", data=row["signature"]),
        dcc.Store(id="process-name", data=row["name"]),
        dcc.Store(id="process-query", data=query),
        dcc.Store(id="process-hours", data=_hours(detail)),
        dcc.Store(id=STEP_SHOTS, data=shots_of(steps, "caption")),
        dcc.Store(id=REPLAY_SHOTS, data=[]),
        dcc.Location(id="process-nav", refresh=True),
    ]


def _moved(exc: MovedProcessError) -> html.Div:
    """A merged-away or split candidate's page: where it went, with links."""
    links = [html.Li(dcc.Link(name, href=f"/process/{key}")) for key, name in exc.holders]
    return html.Div(
        [
            page_header("Candidate process", str(exc.args[0])),
            notice(
                "Merged or split",
                f"{exc.args[0]}. Open it below; its undo takes the decision back.",
            ),
            html.Ul(links, className="moved-to"),
        ]
    )


def _subtitle(detail: queries.ProcessDetail) -> str:
    apps = ", ".join(detail.row["apps"] or []) or "unknown apps"
    return f"Candidate {detail.row['key']} of mining run {detail.run_id} · {apps}"


def _badges(detail: queries.ProcessDetail) -> html.Div:
    row = detail.row
    return badges(row, row["confidence"] < current().config.review_confidence)


def _factors(row: dict) -> dict[str, float]:
    return {f: row[f"factor_{f}"] for f in FACTORS if row.get(f"factor_{f}") is not None}


def _figures(detail: queries.ProcessDetail) -> html.Div:
    row = detail.row
    period = f"{detail.n_days} working day{'s' * (detail.n_days != 1)}"
    return kpi_row(
        [
            ("score", f"{row['score']:.1f}", FORMULAS["score"]),
            ("confidence", fmt_share(row["confidence"]), FORMULAS["confidence"]),
            ("instances", fmt_number(row["n_instances"]), FORMULAS["n_instances"], period),
            ("users", fmt_number(row["n_users"]), FORMULAS["n_users"]),
            ("per week", fmt_rate(row["per_week"]), FORMULAS["per_week"]),
            ("mean duration", fmt_duration(row["mean_duration_s"]), FORMULAS["mean_duration_s"]),
            ("hours / month", fmt_number(row["hours_per_month"], 1), FORMULAS["hours_per_month"]),
            ("variants", fmt_number(row["n_variants"]), FORMULAS["n_variants"]),
        ],
        id="process-figures",
    )


def _hours(detail: queries.ProcessDetail) -> dict:
    row = detail.row
    return {
        "hours": row["hours_per_month"],
        "low": row["hours_per_month_low"],
        "high": row["hours_per_month_high"],
        "users": detail.n_users,
        "days": detail.n_days,
    }


def _savings_card(detail: queries.ProcessDetail) -> html.Section:
    assumptions = current().config.assumptions
    return card(
        "What automating it would save",
        html.Div(savings(_hours(detail), assumptions), id="process-savings"),
        assumptions_editor(assumptions),
    )


def savings(hours: dict, assumptions) -> list:
    rate = assumptions.automation_rate
    low, high = (hours["low"] or float("nan")) * rate, (hours["high"] or float("nan")) * rate
    explanation = explain_interval(low, high, hours["users"], hours["days"])
    return savings_figures(
        hours["hours"] * rate, low, high, assumptions, explanation, "This candidate"
    )


# -- process map and variants ---------------------------------------------------------------


def _map_card(detail: queries.ProcessDetail, steps: pl.DataFrame, query: str) -> html.Section:
    key = str(detail.row["key"])
    figure, caption = draw_map(0, key, query)
    return card(
        "Process map",
        html.Label("Detail: from the main path to every step any instance goes through"),
        dcc.Slider(
            id="process-coverage",
            min=0,
            max=100,
            step=5,
            value=0,
            marks={0: "main path", 50: "50%", 100: "every step"},
            allow_direct_input=False,
        ),
        html.P(caption, id="process-map-caption", className="map-caption"),
        dcc.Loading(
            html.Div(
                dcc.Graph(
                    id="process-map",
                    figure=figure,
                    config={"displayModeBar": False, "responsive": False},
                ),
                className="map-frame",
            )
        ),
        html.P(
            "Top to bottom from start to end; darker boxes and wider arrows are more "
            "frequent; dashed orange arcs go back (loops). Click a variant below to draw "
            "its own path; move the slider to come back to all of them.",
            className="muted",
        ),
        html.H3("Variants"),
        variants_grid("process-variants", detail.variants, steps),
    )


def draw_map(detail_level: float, key: str, query: str) -> tuple[dict, str]:
    """The map at a detail from 0 (the main path) to 100 (every step), and its caption."""
    ctx = current()
    filters = _filters_of_query(query)
    paths = queries.read_paths(ctx.db, key, filters)
    captions = _captions_of(key)
    shares = step_shares(paths)
    min_share = share_for(detail_level, shares)
    shown = shown_steps(shares, min_share)
    edges = path_edges(paths, shown)
    which = (
        "every step any instance goes through"
        if detail_level >= 100
        else f"the steps at least {min_share:.0f} % of the instances go through"
        + (" (the main path)" if detail_level <= 0 else "")
    )
    caption = f"{len(shown)} of {len(shares)} steps shown: {which}."
    total = int(paths["n"].sum() or 0)
    counts = {s: round(share * total) for s, share in shares.items() if s in shown}
    counts |= {START: total, END: total}  # every instance starts and ends
    return process_map_figure(edges, 0, captions, counts), caption


def _captions_of(key: str) -> dict:
    steps = queries.read_process_steps(current().db, key)
    return step_captions(steps.with_columns(label=step_labels()))


def _filters(values: dict) -> queries.Filters:
    """The filters of the page's controls or URL (`filter_values`), groups expanded."""
    groups = current().config.user_groups
    return filters_of(values["start"], values["end"], values["users"], values["app"], 0, groups)


def _filters_of_query(query: str | None) -> queries.Filters:
    return _filters(filter_values(dict(parse_qsl((query or "").lstrip("?")))))


@dash.callback(
    Output("process-map", "figure"),
    Output("process-map-caption", "children"),
    Input("process-coverage", "value"),
    Input("process-variants", "cellClicked"),
    State("process-key", "data"),
    State("process-query", "data"),
    prevent_initial_call=True,
)
def update_map(
    detail_level: float, clicked: dict | None, key: str, query: str | None = None
) -> tuple:
    """The map at the slider's detail, or the path of the variant clicked."""
    if dash.ctx.triggered_id == "process-variants" and clicked and clicked.get("rowId"):
        return variant_map(key, clicked["rowId"], query)
    return draw_map(detail_level or 0, key, query)


def variant_map(key: str, rid: str, query: str | None) -> tuple[dict, str]:
    """One variant's own path through the steps."""
    pid, vid = (int(v) for v in rid.split("."))
    paths = queries.read_paths(current().db, key, _filters_of_query(query))
    chosen = paths.filter((pl.col("process_id") == pid) & (pl.col("variant_id") == vid))
    if chosen.is_empty():
        return dash.no_update, dash.no_update
    actions = chosen["actions"][0].to_list()
    n = int(chosen["n"][0])
    edges = path_edges(chosen, set(actions))
    counts = {**{a: n for a in actions}, START: n, END: n}
    caption = (
        f"Variant {vid}: its own path, {len(actions)} steps, taken by {n:,} "
        f"instance{'s' * (n != 1)}. Move the slider to see all instances again."
    )
    return process_map_figure(edges, 0, _captions_of(key), counts), caption


# -- steps, instances, screens -------------------------------------------------------------


_INSTANCE_COLUMNS = [
    number_column("instance_id", "Instance", maxWidth=120),
    text_column("user_id", "User"),
    text_column("start_ts", "Start"),
    number_column("duration_s", "Duration", 0, " s"),
    number_column("n_events", "Events"),
    number_column("variant_id", "Variant"),
]


def _instances_card(key: str, filters) -> html.Section:
    ctx = current()
    found = queries.read_instances(ctx.db, key, ctx.config.max_rows, filters)
    # AG Grid wants string row ids; the click handler reads the instance back from it
    rows = records(found.with_columns(rid=pl.col("instance_id").cast(pl.String)))
    return card(
        "Instances",
        html.P("Click an instance to replay its events, screen by screen.", className="muted"),
        grid("process-instances", _INSTANCE_COLUMNS, rows, row_id="rid", height=300),
        html.Div(id="process-replay"),
    )


@dash.callback(
    Output("process-replay", "children"),
    Output(REPLAY_SHOTS, "data"),
    Input("process-instances", "cellClicked"),
    prevent_initial_call=True,
)
def show_replay(cell: dict | None) -> tuple:
    if not cell or cell.get("rowId") is None:
        return dash.no_update, dash.no_update
    ctx = current()
    events = queries.read_instance_events(ctx.db, int(cell["rowId"]), ctx.config.max_rows)
    shown = html.Div(
        [html.H3(f"Replay of instance {cell['rowId']}"), replay(events, REPLAY_SHOTS)],
        id="process-replay-view",
    )
    return shown, replay_shots(events)


@dash.callback(
    Output({"type": f"{STEP_SHOTS}-image", "index": ALL}, "src"),
    Input(STEP_SHOTS, "data"),
)
def show_step_screens(shots: list) -> list[str]:
    """The steps' screenshots, once the page is drawn."""
    return image_sources(shots or [])


@dash.callback(
    Output("process-lightbox", "hidden"),
    Output("process-lightbox-content", "children"),
    Output("process-lightbox-caption", "children"),
    Input({"type": STEP_SHOTS, "index": ALL}, "n_clicks"),
    Input({"type": REPLAY_SHOTS, "index": ALL}, "n_clicks"),
    Input("process-lightbox-close", "n_clicks"),
    State(STEP_SHOTS, "data"),
    State(REPLAY_SHOTS, "data"),
    prevent_initial_call=True,
)
def open_screen(_steps: list, _replay: list, _close: int, steps: list, replayed: list) -> tuple:
    """A click on a frame opens it large; × or Esc closes it."""
    clicked = dash.ctx.triggered_id
    if not isinstance(clicked, dict) or not (dash.ctx.triggered or [{}])[0].get("value"):
        return True, [], ""
    return lightbox_state(steps if clicked["type"] == STEP_SHOTS else replayed, clicked["index"])


# -- filters and savings assumptions ---------------------------------------------------------


@dash.callback(
    Output("process-nav", "href", allow_duplicate=True),
    Input("process-dates", "start_date"),
    Input("process-dates", "end_date"),
    Input("process-users", "value"),
    Input("process-app", "value"),
    State("process-key", "data"),
    State("process-dates", "min_date_allowed"),
    State("process-dates", "max_date_allowed"),
    prevent_initial_call=True,
)
def refilter(start, end, users, app, key: str, first, last) -> str:
    """Reopen the page under the filters chosen (dates only when narrowed)."""
    return process_href(key, start, end, users, app, first, last)


@dash.callback(
    Output("process-savings", "children"),
    Input(HOURLY_COST, "value"),
    Input(AUTOMATION_RATE, "value"),
    State("process-hours", "data"),
)
def update_savings(cost: float | None, rate: float | None, hours: dict) -> list:
    """The savings under the hourly cost and automation rate the analyst set."""
    edited = {"hourly_cost": cost, "automation_rate": rate}
    return savings(hours, assumptions_from(edited, current().config.assumptions))


# -- exports and decisions -------------------------------------------------------------------


def _download(fmt: str, label: str):
    def download(_clicks: int | None, key: str, title: str) -> tuple:
        """Render the export; the buttons are disabled and say so while it runs."""
        try:
            done = export.export(current().db, str(key), fmt)
        except TaskmineError as exc:
            return dash.no_update, f"{label} failed: {exc}"
        name = file_name(title or done.filename, done.filename.rsplit(".", 1)[-1])
        size = f"{len(done.content) / 1024:,.0f} kB"
        return dcc.send_bytes(
            done.content, name, type=done.mimetype
        ), f"{label} ready: {name} ({size})"

    return download


for _button, (_fmt, _label) in EXPORT_BUTTONS.items():
    dash.callback(
        Output("process-download", "data", allow_duplicate=True),
        Output("process-export-done", "children", allow_duplicate=True),
        Input(_button, "n_clicks"),
        State("process-key", "data"),
        State("process-name", "data"),
        running=[
            *[(Output(b, "disabled"), True, False) for b in EXPORT_BUTTONS],
            (Output("process-export-progress", "children"), f"Preparing {_label}…", ""),
        ],
        prevent_initial_call=True,
    )(_download(_fmt, _label))


@dash.callback(
    Output("process-nav", "href", allow_duplicate=True),
    Output("process-decision-status", "children"),
    *(Input(b, "n_clicks") for b in DECISION_BUTTONS),
    State("process-key", "data"),
    State("process-signature", "data"),
    State("process-name-input", "value"),
    State("process-merge-with", "value"),
    State("process-query", "data"),
    prevent_initial_call=True,
)
def decide(*args: object) -> tuple:
    """Record the decision, then reload (a split goes back to the ranking)."""
    key, signature, name, other, query = args[-5:]
    href, message = apply_decision(
        str(dash.ctx.triggered_id), str(key), str(signature), name, other
    )
    if href is dash.no_update or not href.startswith("/process/"):
        return href, message
    return href + (query or ""), message


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
    elif button == "process-undo":
        return _undo(db, key)
    else:
        action = {
            "process-dismiss": "not_process",
            "process-split": "split",
            "process-confirm": "confirm",
        }[button]
        queries.record_decision(db, action, signature)
        if action == "split":
            return "/opportunities", ""
    return f"/process/{key}", ""


def _undo(db, key: str) -> tuple:
    """Take back the latest decision on this candidate; a split taken back from one of
    its parts leads to the whole candidate again."""
    found = queries.read_units(db)
    unit = found.by_key(key)
    target = queries.undo_target(found, unit)
    if target is None:
        return dash.no_update, "Nothing to undo."
    queries.record_decision(db, "undo", target.signature, value=str(target.decision_id))
    if target.action == "split" and unit.part is not None:
        return f"/process/{unit.primary}", ""
    return f"/process/{key}", ""
