"""The filter bar (dates, users or user groups, app, minimum confidence) and the filters'
round trip through a URL query, so a candidate's page opens under the ranking's filters."""

from __future__ import annotations

from datetime import date
from urllib.parse import unquote, urlencode

from dash import dcc, html

from explorer.queries.candidates import FilterOptions, Filters

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


def filters_of(
    start: str | None,
    end: str | None,
    users: list[str] | None,
    app: str | None,
    min_confidence: float | None,
    groups: dict[str, list[str]],
) -> Filters:
    """`Filters` from the controls' values (dates as ISO text, users or ``group:`` names)."""
    return Filters(
        start=_date(start),
        end=_date(end),
        users=expand_groups(users or [], groups),
        app=app or None,
        min_confidence=float(min_confidence or 0),
    )


def _date(text: str | None) -> date | None:
    """An ISO date from a control or a URL; anything else (a hand-edited URL) is no date."""
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def filters_query(
    start: str | None, end: str | None, users: list[str] | None, app: str | None
) -> str:
    """The filters as a URL query (``?start=…&users=a,b``), empty when there are none.
    A comma inside a user id is quoted, so that the id stays one."""
    pairs = {"start": (start or "")[:10], "end": (end or "")[:10], "app": app or ""}
    pairs["users"] = ",".join(_quote_comma(user) for user in users or [])
    kept = {k: v for k, v in pairs.items() if v}
    return "?" + urlencode(kept) if kept else ""


def _quote_comma(user: str) -> str:
    """``user`` with its commas (and the percent signs that quote them) quoted."""
    return user.replace("%", "%25").replace(",", "%2C")


def process_href(
    key: str,
    start: str | None,
    end: str | None,
    users: list[str] | None,
    app: str | None,
    first: object,
    last: object,
) -> str:
    """A candidate's page under the filters chosen; a date only when it narrows the
    recorded period (``first`` to ``last``, the date picker's bounds)."""
    start = None if (start or "")[:10] == str(first or "")[:10] else start
    end = None if (end or "")[:10] == str(last or "")[:10] else end
    return f"/process/{key}{filters_query(start, end, users, app)}"


def filter_values(query: dict) -> dict:
    """Control values from a page's query arguments (see `filters_query`)."""
    users = [unquote(u) for u in str(query.get("users") or "").split(",") if u]
    return {
        "start": query.get("start") or None,
        "end": query.get("end") or None,
        "users": users,
        "app": query.get("app") or None,
    }


def filter_bar(
    prefix: str,
    options: FilterOptions,
    groups: dict[str, list[str]],
    values: dict,
    confidence_mark: float | None = None,
) -> html.Div:
    """Date range, users, app and (with ``confidence_mark``) a minimum confidence."""
    fields = [
        _field(
            "Date range",
            dcc.DatePickerRange(
                id=f"{prefix}-dates",
                min_date_allowed=options.first,
                max_date_allowed=options.last,
                start_date=values.get("start") or options.first,
                end_date=values.get("end") or options.last,
                display_format="YYYY-MM-DD",
                clearable=True,
            ),
        ),
        _field(
            "Users",
            dcc.Dropdown(
                id=f"{prefix}-users",
                options=user_options(options.users, groups),
                value=values.get("users") or [],
                multi=True,
                placeholder="all users",
            ),
        ),
        _field(
            "App",
            dcc.Dropdown(
                id=f"{prefix}-app",
                options=options.apps,
                value=values.get("app"),
                placeholder="any app",
            ),
        ),
    ]
    if confidence_mark is not None:
        fields.append(
            _field(
                "Minimum confidence",
                dcc.Slider(
                    id=f"{prefix}-confidence",
                    min=0,
                    max=1,
                    step=0.01,
                    value=0,
                    marks={0: "0", confidence_mark: "review", 1: "1"},
                    tooltip={"placement": "bottom"},
                ),
            )
        )
    return html.Div(fields, className="filters")


def _field(label: str, control: object) -> html.Div:
    return html.Div([html.Label(label), control], className="filter")
