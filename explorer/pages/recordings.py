"""Recordings: one (pseudonymous) user's day of sessions and instances, with screenshots."""

from __future__ import annotations

from datetime import date

import dash
import polars as pl
from dash import Input, Output, dcc, html

from explorer import queries
from explorer.components.common import card, no_recordings, page_header, problem
from explorer.components.figures import day_timeline
from explorer.components.filmstrip import replay
from explorer.context import current
from storage.errors import TaskmineError

dash.register_page(
    __name__, path="/recordings", name="Recordings", order=2, title="Recordings · taskmine"
)

TITLE = "Recordings"


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
            card(
                "Instance",
                html.Div(
                    html.P("Click an instance bar above.", className="muted"),
                    id="recordings-instance",
                ),
            ),
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
    Input("recordings-timeline", "clickData"),
    prevent_initial_call=True,
)
def show_instance(click: dict | None) -> object:
    """Screens of the clicked instance (sessions and activity bars carry no instance)."""
    points = (click or {}).get("points") or []
    instance = points[0].get("customdata") if points else None
    if instance is None:
        return dash.no_update
    ctx = current()
    try:
        events = queries.read_instance_events(ctx.db, int(instance), ctx.config.max_rows)
    except TaskmineError as exc:
        return problem(exc)
    return html.Div([html.H3(f"Instance {instance}"), replay(events)])
