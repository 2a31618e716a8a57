"""Opportunities: the ranked candidates, a review queue and the dismissed ones."""

from __future__ import annotations

from datetime import date

import dash
from dash import Input, Output, dcc, html

from explorer import queries
from explorer.components.common import card, notice, page_header, problem
from explorer.components.tables import grid, opportunity_columns, records
from explorer.context import current
from storage.errors import TaskmineError

dash.register_page(
    __name__, path="/opportunities", name="Opportunities", order=1, title="Opportunities · taskmine"
)

GRIDS = ("opportunities-table", "opportunities-review", "opportunities-dismissed")


def layout(**_: object) -> html.Div:
    ctx = current()
    try:
        options = queries.read_filter_options(ctx.db)
    except TaskmineError as exc:
        return html.Div([page_header("Automation opportunities"), problem(exc)])
    threshold = ctx.config.review_confidence
    filters = html.Div(
        [
            _field(
                "Date range",
                dcc.DatePickerRange(
                    id="opportunities-dates",
                    min_date_allowed=options.first,
                    max_date_allowed=options.last,
                    start_date=options.first,
                    end_date=options.last,
                    display_format="YYYY-MM-DD",
                    clearable=True,
                ),
            ),
            _field(
                "Users",
                dcc.Dropdown(
                    id="opportunities-users",
                    options=user_options(options.users, ctx.config.user_groups),
                    multi=True,
                    placeholder="all users",
                ),
            ),
            _field(
                "App",
                dcc.Dropdown(id="opportunities-app", options=options.apps, placeholder="any app"),
            ),
            _field(
                "Minimum confidence",
                dcc.Slider(
                    id="opportunities-confidence",
                    min=0,
                    max=1,
                    step=0.05,
                    value=0,
                    marks={0: "0", threshold: "review", 1: "1"},
                    tooltip={"placement": "bottom"},
                ),
            ),
        ],
        className="filters",
    )
    return html.Div(
        [
            page_header(
                "Automation opportunities",
                "Candidate processes ranked by mining's score. Click a row to inspect it.",
            ),
            dcc.Location(id="opportunities-nav", refresh="callback-nav"),
            filters,
            card(
                "Ranking",
                html.Div(id="opportunities-summary", className="muted"),
                grid("opportunities-table", opportunity_columns([]), [], row_id="key", height=460),
            ),
            card(
                f"Review queue: confidence below {threshold:.0%}",
                html.P(
                    "Mining is unsure these are one routine; confirm, split or dismiss them "
                    "before they enter the ranking.",
                    className="muted",
                ),
                grid(
                    "opportunities-review",
                    opportunity_columns([], with_rank=False),
                    [],
                    row_id="key",
                    height=220,
                ),
            ),
            card(
                "Marked “not a process”",
                grid(
                    "opportunities-dismissed",
                    opportunity_columns([], with_rank=False),
                    [],
                    row_id="key",
                    height=180,
                ),
            ),
        ]
    )


GROUP = "group:"


def user_options(users: list[str], groups: dict[str, list[str]]) -> list[dict]:
    """Configured user groups first (as ``group:NAME``), then every user."""
    named = [
        {"label": f"group {name} ({len(ids)})", "value": GROUP + name}
        for name, ids in sorted(groups.items())
    ]
    return named + [{"label": u, "value": u} for u in users]


def expand_groups(values: list[str], groups: dict[str, list[str]]) -> tuple[str, ...]:
    """The users picked, with each picked group replaced by its members."""
    users: set[str] = set()
    for value in values:
        if value.startswith(GROUP):
            users.update(groups.get(value.removeprefix(GROUP), []))
        else:
            users.add(value)
    return tuple(sorted(users))


def _field(label: str, control: object) -> html.Div:
    return html.Div([html.Label(label), control], className="filter")


@dash.callback(
    Output("opportunities-table", "rowData"),
    Output("opportunities-table", "columnDefs"),
    Output("opportunities-review", "rowData"),
    Output("opportunities-dismissed", "rowData"),
    Output("opportunities-summary", "children"),
    Input("opportunities-dates", "start_date"),
    Input("opportunities-dates", "end_date"),
    Input("opportunities-users", "value"),
    Input("opportunities-app", "value"),
    Input("opportunities-confidence", "value"),
)
def update_tables(
    start: str | None,
    end: str | None,
    users: list[str] | None,
    app: str | None,
    min_confidence: float | None,
) -> tuple:
    """Re-rank under the filters; the columns follow the score factors mining reported."""
    ctx = current()
    filters = queries.Filters(
        start=date.fromisoformat(start[:10]) if start else None,
        end=date.fromisoformat(end[:10]) if end else None,
        users=expand_groups(users or [], ctx.config.user_groups),
        app=app or None,
        min_confidence=float(min_confidence or 0),
    )
    try:
        found = queries.read_opportunities(ctx.db, filters, ctx.config.review_confidence)
    except TaskmineError as exc:
        return [], opportunity_columns([]), [], [], problem(exc)
    summary = (
        f"{found.ranking.height} candidates ranked · {found.review.height} to review · "
        f"{found.dismissed.height} dismissed"
    )
    if found.ranking.is_empty() and not found.review.is_empty():
        summary = notice(
            "Nothing above the review threshold",
            "Every candidate left by these filters is in the review queue below.",
        )
    return (
        records(found.ranking.drop("factors")),
        opportunity_columns(found.factor_names),
        records(found.review.drop("factors")),
        records(found.dismissed.drop("factors")),
        summary,
    )


@dash.callback(
    Output("opportunities-nav", "pathname"),
    *(Input(g, "cellClicked") for g in GRIDS),
    prevent_initial_call=True,
)
def open_process(*clicks: dict | None) -> str:
    """A click on any row of any of the three tables opens that candidate."""
    clicked = dash.ctx.triggered_id
    cell = clicks[GRIDS.index(clicked)] if clicked in GRIDS else None
    if not cell or cell.get("rowId") is None:
        return dash.no_update
    return f"/process/{cell['rowId']}"
