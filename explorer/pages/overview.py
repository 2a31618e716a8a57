"""Overview: what was recorded, where the time went, how much of it is routine."""

from __future__ import annotations

import dash
from dash import dcc, html

from explorer import queries
from explorer.components.common import (
    card,
    fmt_number,
    fmt_share,
    kpi_row,
    no_recordings,
    notice,
    page_header,
    problem,
)
from explorer.components.figures import app_hours_bar, week_heatmap
from explorer.context import current
from storage.errors import TaskmineError

dash.register_page(__name__, path="/", name="Overview", order=0, title="Overview · taskmine")

TITLE = "What was recorded"


def layout(**_: object) -> html.Div:
    try:
        overview = queries.read_overview(current().db)
    except TaskmineError as exc:
        return html.Div([page_header(TITLE), problem(exc)])
    t = overview.totals
    if not t["events"]:
        return no_recordings(
            TITLE,
            "record with `taskmine record --db FILE`, import logs with "
            "`taskmine import FILE… --db FILE`, or try `taskmine demo`",
        )
    span = f"{t['first']:%Y-%m-%d} → {t['last']:%Y-%m-%d}"
    routine_hint = (
        None
        if t["routine_share"] is not None
        else notice(
            "Not mined yet",
            "Run mining to see which share of this time is routine work.",
            "taskmine mine --db FILE",
        )
    )
    return html.Div(
        [
            page_header(TITLE, f"Recordings from {span}"),
            kpi_row(
                [
                    ("users", fmt_number(t["users"])),
                    ("days", fmt_number(t["days"])),
                    ("sessions", fmt_number(t["sessions"])),
                    ("active hours", fmt_number(t["hours"], 1)),
                    ("events", fmt_number(t["events"])),
                    ("apps", fmt_number(t["apps"])),
                    ("time in routines", fmt_share(t["routine_share"])),
                ]
            ),
            routine_hint,
            html.Div(
                [
                    _chart("Active time per app", "overview-apps", app_hours_bar(overview.per_app)),
                    _chart(
                        "Activity over the week", "overview-heatmap", week_heatmap(overview.heatmap)
                    ),
                ],
                className="grid-2",
            ),
            html.P(
                f"Active time counts gaps of at most {queries.IDLE_GAP_S // 60} minutes between "
                "a user's events; longer gaps are time away.",
                className="muted",
            ),
        ]
    )


def _chart(title: str, graph_id: str, figure: object) -> html.Section:
    """A card holding one static chart (no plotly toolbar: nothing to zoom into)."""
    return card(title, dcc.Graph(id=graph_id, figure=figure, config={"displayModeBar": False}))
