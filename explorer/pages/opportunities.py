"""Opportunities: the ranked candidates with their savings, a review queue and the
dismissed ones, every figure recomputed under the filters."""

from __future__ import annotations

import dash
from dash import Input, Output, State, dcc, html

from explorer import queries
from explorer.components.common import card, notice, page_header, plural, problem
from explorer.components.filters import filter_bar, filters_of, process_href
from explorer.components.savings import (
    AUTOMATION_RATE,
    HOURLY_COST,
    assumptions_editor,
    how_computed,
    savings_figures,
)
from explorer.components.tables import grid, opportunity_columns, records
from explorer.context import current
from explorer.figures import FACTORS, FORMULAS
from explorer.savings import assumptions_from, explain_interval
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
    assumptions = ctx.config.assumptions
    columns = opportunity_columns(list(FACTORS), FORMULAS, assumptions.currency)
    side = opportunity_columns(list(FACTORS), FORMULAS, assumptions.currency, with_rank=False)
    return html.Div(
        [
            page_header(
                "Automation opportunities",
                "Candidate processes ranked by score, with what automating them would save. "
                "Click a row to review it.",
            ),
            dcc.Location(id="opportunities-nav", refresh="callback-nav"),
            filter_bar("opportunities", options, ctx.config.user_groups, {}, threshold),
            card(
                "Savings of the ranked candidates",
                html.Div(id="opportunities-portfolio"),
                assumptions_editor(assumptions),
                how_computed("opportunities-how", FORMULAS),
            ),
            card(
                "Ranking",
                html.Div(id="opportunities-summary", className="muted"),
                _grid("opportunities-table", columns, 460),
            ),
            card(
                f"Review queue: confidence below {threshold:.0%}",
                html.P(
                    "Mining is unsure these are one routine. Open one to review it: confirm "
                    "it (it joins the ranking), split it or dismiss it.",
                    className="muted",
                ),
                _grid("opportunities-review", side, 240),
            ),
            card("Marked “not a process”", _grid("opportunities-dismissed", side, 180)),
        ]
    )


def _grid(grid_id: str, columns: list[dict], height: int) -> object:
    return grid(grid_id, columns, [], row_id="key", height=height, column_size="autoSize")


@dash.callback(
    Output("opportunities-table", "rowData"),
    Output("opportunities-table", "columnDefs"),
    Output("opportunities-review", "rowData"),
    Output("opportunities-dismissed", "rowData"),
    Output("opportunities-summary", "children"),
    Output("opportunities-portfolio", "children"),
    Input("opportunities-dates", "start_date"),
    Input("opportunities-dates", "end_date"),
    Input("opportunities-users", "value"),
    Input("opportunities-app", "value"),
    Input("opportunities-confidence", "value"),
    Input(HOURLY_COST, "value"),
    Input(AUTOMATION_RATE, "value"),
)
def update_tables(
    start: str | None,
    end: str | None,
    users: list[str] | None,
    app: str | None,
    min_confidence: float | None,
    cost: float | None = None,
    rate: float | None = None,
) -> tuple:
    """Recompute every figure, the rank and the savings under the filters."""
    ctx = current()
    filters = filters_of(start, end, users, app, min_confidence, ctx.config.user_groups)
    edited = {"hourly_cost": cost, "automation_rate": rate}
    assumptions = assumptions_from(edited, ctx.config.assumptions)
    columns = opportunity_columns(list(FACTORS), FORMULAS, assumptions.currency)
    try:
        found = queries.read_opportunities(
            ctx.db, filters, ctx.config.review_confidence, assumptions
        )
    except TaskmineError as exc:
        return [], columns, [], [], problem(exc), None
    summary = (
        f"{plural(found.ranking.height, 'candidate')} ranked · {found.review.height} to "
        f"review · {found.dismissed.height} dismissed"
    )
    if found.ranking.is_empty() and not found.review.is_empty():
        summary = notice(
            "Nothing above the review threshold",
            "Every candidate left by these filters is in the review queue below.",
        )
    return (
        records(found.ranking),
        columns,
        records(found.review),
        records(found.dismissed),
        summary,
        portfolio(found, assumptions),
    )


def portfolio(found: queries.Opportunities, assumptions) -> list:
    """The ranked candidates' savings together, with the interval of the total."""
    keys = found.ranking["key"].to_list()
    low, high = found.bootstrap.interval(keys)
    rate = assumptions.automation_rate
    explanation = explain_interval(low * rate, high * rate, found.n_users, found.n_days)
    hours = float(found.ranking["hours_saved_per_month"].sum() or 0.0)
    what = f"The {plural(len(keys), 'ranked candidate')} together"
    return savings_figures(hours, low * rate, high * rate, assumptions, explanation, what)


@dash.callback(
    Output("opportunities-nav", "href"),
    *(Input(g, "cellClicked") for g in GRIDS),
    State("opportunities-dates", "start_date"),
    State("opportunities-dates", "end_date"),
    State("opportunities-users", "value"),
    State("opportunities-app", "value"),
    State("opportunities-dates", "min_date_allowed"),
    State("opportunities-dates", "max_date_allowed"),
    prevent_initial_call=True,
)
def open_process(*args: object) -> str:
    """A click on any row of any of the three tables opens that candidate, under the
    same filters (dates only when narrowed)."""
    clicks, (start, end, users, app, first, last) = args[: len(GRIDS)], args[len(GRIDS) :]
    clicked = dash.ctx.triggered_id
    cell = clicks[GRIDS.index(clicked)] if clicked in GRIDS else None
    if not cell or cell.get("rowId") is None:
        return dash.no_update
    return process_href(cell["rowId"], start, end, users, app, first, last)
