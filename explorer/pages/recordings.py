"""Recordings: one (pseudonymous) user's day of sessions and instances, with screenshots."""

from __future__ import annotations

from datetime import date

import dash
import polars as pl
from dash import ALL, Input, Output, State, dcc, html

from explorer import queries
from explorer.components.common import card, no_recordings, page_header, problem
from explorer.components.figures import day_timeline
from explorer.components.filmstrip import lightbox_frame, lightbox_state, replay, replay_shots
from explorer.context import current
from storage.errors import TaskmineError

dash.register_page(
    __name__, path="/recordings", name="Recordings", order=2, title="Recordings · taskmine"
)

TITLE = "Recordings"
SHOTS = "recordings-shot"
HINT = html.P("Click an instance bar above to see its screens.", className="muted")


def layout(**_: object) -> html.Div:
    try:
        days = queries.read_user_days(current().db)
    except TaskmineError as exc:
        return html.Div([page_header(TITLE), problem(exc)])
    if days.is_empty():
        return no_recordings(TITLE, "taskmine import FILE… --db FILE")
    users = days["user_id"].unique(maintain_order=True).to_list()
    options, day = day_options(days, users[0])
    return html.Div(
        [
            page_header(
                TITLE,
                "One user's day: sessions, the routine instances found in it, and "
                "activity. Click an instance to see its screens.",
            ),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label("User"),
                            dcc.Dropdown(
                                id="recordings-user", options=users, value=users[0], clearable=False
                            ),
                        ],
                        className="filter",
                    ),
                    html.Div(
                        [
                            html.Label("Day"),
                            dcc.Dropdown(
                                id="recordings-day", options=options, value=day, clearable=False
                            ),
                        ],
                        className="filter",
                    ),
                ],
                className="filters",
            ),
            card(
                "Timeline",
                dcc.Loading(
                    dcc.Graph(
                        id="recordings-timeline",
                        # the first user's first day comes with the page: no callback chain
                        figure=draw_timeline(users[0], day),
                        config={"displaylogo": False},
                    )
                ),
            ),
            card("Instance", html.Div(HINT, id="recordings-instance")),
            dcc.Store(id=SHOTS, data=[]),
            lightbox_frame("recordings-lightbox"),
        ]
    )


def day_options(days: pl.DataFrame, user: str) -> tuple[list[dict], str | None]:
    """The day picker's choices for ``user`` (from `read_user_days`) and the first day."""
    options = [
        {"label": f"{d:%a %Y-%m-%d} · {n:,} events", "value": d.isoformat()}
        for d, n in days.filter(user_id=user).select("day", "events").iter_rows()
    ]
    return options, options[0]["value"] if options else None


@dash.callback(
    Output("recordings-day", "options"),
    Output("recordings-day", "value"),
    Input("recordings-user", "value"),
    prevent_initial_call=True,
)
def list_days(user: str) -> tuple[list[dict], str | None]:
    return day_options(queries.read_user_days(current().db), user)


@dash.callback(
    Output("recordings-timeline", "figure"),
    Input("recordings-user", "value"),
    Input("recordings-day", "value"),
    prevent_initial_call=True,
)
def draw_timeline(user: str, day: str | None) -> object:
    if not user or not day:
        return dash.no_update
    tl = queries.read_timeline(current().db, user, date.fromisoformat(day))
    return day_timeline(tl.sessions, tl.instances, tl.activity)


@dash.callback(
    Output("recordings-instance", "children"),
    Output(SHOTS, "data"),
    Input("recordings-timeline", "clickData"),
    Input("recordings-user", "value"),
    Input("recordings-day", "value"),
    prevent_initial_call=True,
)
def show_instance(click: dict | None, *_picked: object) -> tuple:
    """Screens of the clicked instance and the candidate it belongs to; picking another
    user or day clears the panel (sessions and activity bars carry no instance)."""
    if dash.ctx.triggered_id != "recordings-timeline":
        return HINT, []
    points = (click or {}).get("points") or []
    instance = points[0].get("customdata") if points else None
    if instance is None:
        return dash.no_update, dash.no_update
    ctx = current()
    try:
        events = queries.read_instance_events(ctx.db, int(instance), ctx.config.max_rows)
        unit = queries.read_instance_unit(ctx.db, int(instance))
    except TaskmineError as exc:
        return problem(exc), []
    belongs = (
        [" of ", dcc.Link(unit[1], href=f"/process/{unit[0]}")]
        if unit
        else [" (in no candidate process)"]
    )
    shown = html.Div([html.H3([f"Instance {instance}", *belongs]), replay(events, SHOTS)])
    return shown, replay_shots(events)


@dash.callback(
    Output("recordings-lightbox", "hidden"),
    Output("recordings-lightbox-content", "children"),
    Output("recordings-lightbox-caption", "children"),
    Input({"type": SHOTS, "index": ALL}, "n_clicks"),
    Input("recordings-lightbox-close", "n_clicks"),
    State(SHOTS, "data"),
    prevent_initial_call=True,
)
def open_screen(_clicks: list, _close: int, shots: list) -> tuple:
    """A click on a screen opens it large; × or Esc closes it."""
    clicked = dash.ctx.triggered_id
    if not isinstance(clicked, dict) or not (dash.ctx.triggered or [{}])[0].get("value"):
        return True, [], ""
    return lightbox_state(shots, clicked["index"])
