"""Small building blocks shared by every page: cards, figures of merit, notices, formats."""

from __future__ import annotations

from dash import html

from explorer.errors import UnknownProcessError
from storage.errors import (
    CorruptDatabaseError,
    DatabaseLockedError,
    NoMiningRunError,
    SchemaTooNewError,
    TaskmineError,
)


def page_header(title: str, subtitle: str = "", *extra: object) -> html.Div:
    return html.Div(
        [html.H1(title), html.P(subtitle, className="subtitle") if subtitle else None, *extra],
        className="page-header",
    )


def card(title: str, *children: object, id: str | None = None) -> html.Section:  # noqa: A002
    header = html.H2(title) if title else None
    props = {"id": id} if id else {}
    return html.Section([header, *children], className="card", **props)


def kpi(label: str, value: str, hint: str = "", detail: str = "") -> html.Div:
    """A figure of merit; ``hint`` (its formula) shows on hover, ``detail`` below it."""
    return html.Div(
        [
            html.Div(value, className="kpi-value"),
            html.Div(label, className="kpi-label"),
            html.Div(detail, className="kpi-detail") if detail else None,
        ],
        className="kpi",
        title=hint,
    )


def kpi_row(items: list[tuple], id: str | None = None) -> html.Div:  # noqa: A002
    """Figures of merit from ``(label, value[, hint[, detail]])`` tuples."""
    props = {"id": id} if id else {}
    return html.Div([kpi(*item) for item in items], className="kpi-row", **props)


def notice(title: str, message: str, fix: str = "", kind: str = "info") -> html.Div:
    """A full-width explanation of why a page has nothing to show, and what to do."""
    return html.Div(
        [html.H2(title), html.P(message), html.P(fix, className="notice-fix") if fix else None],
        className=f"notice notice-{kind}",
        role="alert",
    )


def no_recordings(title: str, fix: str) -> html.Div:
    """A page's content when the database holds no events: its title, and how to get some."""
    return html.Div(
        [
            page_header(title),
            notice("No recordings yet", "This database holds no events.", fix, kind="warning"),
        ]
    )


def problem(error: TaskmineError) -> html.Div:
    """The notice for a storage or explorer error: never a traceback."""
    message = str(error.args[0]) if error.args else str(error)
    title = "Cannot read the database"
    if isinstance(error, NoMiningRunError):
        title = "No mining results yet"
    elif isinstance(error, UnknownProcessError):
        title = "No such candidate process"
    elif isinstance(error, DatabaseLockedError):
        title = "The database is busy"
    elif isinstance(error, SchemaTooNewError):
        title = "Database written by a newer taskmine"
    elif isinstance(error, CorruptDatabaseError):
        title = "Not a taskmine database"
    elif "does not exist" in message:
        title = "Database not found"
    elif "needs upgrading" in message:
        title = "Database needs upgrading"
    return notice(title, message, error.hint, kind="warning")


def screenshot_src(screenshot_id: int) -> str:
    """URL of a stored screenshot, served by the explorer's ``/screenshot/`` route."""
    return f"/screenshot/{int(screenshot_id)}"


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min {seconds % 60:.0f} s"
    return f"{seconds / 3600:.1f} h"


def fmt_number(value: float | int | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def fmt_share(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def fmt_rate(value: float | None) -> str:
    """A count per week: whole numbers from 10 on (``195``, not ``195.0``)."""
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.1f}"


def fmt_money(value: float | None, currency: str) -> str:
    return "—" if value is None or value != value else f"{currency} {value:,.0f}"


def fmt_range(low: float | None, high: float | None, unit: str = "") -> str:
    """An interval as ``52–71 h`` (en dash), or ``—`` when there is none."""
    if low is None or high is None or low != low or high != high:
        return "—"
    return f"{low:,.0f}–{high:,.0f}{unit}"


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 candidate``, ``2 candidates``."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def factor_table(factors: dict[str, float], formulas: dict[str, str]) -> html.Div:
    """Each scoring factor with its value and, beside it, its formula."""
    if not factors:
        return html.P("Mining reported no factors.", className="muted")
    rows = [
        html.Tr(
            [
                html.Td(name.replace("_", " ")),
                html.Td(f"{value:,.3g}", className="num"),
                html.Td(formulas.get(name, ""), className="formula"),
            ]
        )
        for name, value in factors.items()
    ]
    return html.Table(html.Tbody(rows), className="factors")
