"""Savings on the pages: the assumptions an analyst edits, a total with its interval and
the sentence that explains it, and the "how is this computed" panel (pure builders)."""

from __future__ import annotations

from dash import dcc, html

from explorer.components.common import fmt_money, fmt_range
from explorer.savings import LEVEL, Assumptions

#: The editor's inputs have the same ids on every page and persist in the browser, so an
#: hourly cost set on one page holds on the others and on later visits.
HOURLY_COST, AUTOMATION_RATE = "savings-hourly-cost", "savings-automation-rate"


def assumptions_editor(assumptions: Assumptions) -> html.Div:
    """Hourly cost and automation rate (in %), editable; kept in the browser."""
    return html.Div(
        [
            html.Div(
                [
                    html.Label(f"Hourly cost ({assumptions.currency})"),
                    dcc.Input(
                        id=HOURLY_COST,
                        persistence=True,
                        persistence_type="local",
                        type="number",
                        min=0,
                        step=1,
                        value=assumptions.hourly_cost,
                        debounce=True,
                    ),
                ],
                className="filter",
            ),
            html.Div(
                [
                    html.Label("Automation rate (%)"),
                    dcc.Input(
                        id=AUTOMATION_RATE,
                        persistence=True,
                        persistence_type="local",
                        type="number",
                        min=0,
                        max=100,
                        step=5,
                        value=round(100 * assumptions.automation_rate),
                        debounce=True,
                    ),
                ],
                className="filter",
            ),
        ],
        className="assumptions",
        title="the share of the recorded time a bot takes over, and what an hour of it costs",
    )


def savings_figures(
    hours: float,
    low: float,
    high: float,
    assumptions: Assumptions,
    explanation: str,
    what: str,
) -> list:
    """Hours and money per month, each with its 80 % range, and the sentence saying
    what the range means. ``hours`` and the range are hours saved (rate applied)."""
    cost = assumptions.hourly_cost
    return [
        html.Div(
            [
                _figure(f"{hours:,.0f} h", "hours saved per month", fmt_range(low, high, " h")),
                _figure(
                    fmt_money(hours * cost, assumptions.currency),
                    "per month",
                    _money_range(low, high, assumptions),
                ),
            ],
            className="savings-figures",
        ),
        html.P(
            f"{what} at {100 * assumptions.automation_rate:.0f} % automation and "
            f"{fmt_money(cost, assumptions.currency)} an hour. {explanation}",
            className="explanation",
        ),
    ]


def _money_range(low: float, high: float, assumptions: Assumptions) -> str:
    cost = assumptions.hourly_cost
    if low != low or high != high:
        return "—"
    return f"{assumptions.currency} {low * cost:,.0f}–{high * cost:,.0f}"


def _figure(value: str, label: str, interval: str) -> html.Div:
    return html.Div(
        [
            html.Div(value, className="kpi-value"),
            html.Div(label, className="kpi-label"),
            html.Div(f"{100 * LEVEL:.0f} % range {interval}", className="range"),
        ],
        className="kpi",
    )


def how_computed(id: str, formulas: dict[str, str]) -> html.Details:  # noqa: A002
    """Every figure's formula, one line each, folded away until asked for."""
    order = ("score", "confidence", "hours_per_month", "hours_saved_per_month", "hours_range")
    order += ("money_per_month", "per_week", "automatability")
    lines = [formulas[k] for k in order if k in formulas]
    lines += [v for k, v in formulas.items() if k not in order and k.endswith("share")]
    lines.append(
        f"The {100 * LEVEL:.0f} % ranges come from a two-way bootstrap: users and working days "
        "are drawn with replacement, independently, 1,000 times, and each figure is "
        "recomputed from the user-days drawn; the range holds 8 draws in 10. It shows how "
        "much a figure depends on who was recorded and when, not errors of mining itself."
    )
    return html.Details(
        [
            html.Summary("How is this computed?"),
            html.Ul([html.Li(line) for line in lines], className="formulas"),
        ],
        id=id,
        className="how",
    )
