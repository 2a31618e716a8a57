"""AG Grid tables: column definitions and rows from polars frames (no I/O)."""

from __future__ import annotations

from datetime import date, datetime

import dash_ag_grid as dag
import polars as pl

#: AG Grid's theming API (no legacy CSS theme class: mixing the two logs an error).
GRID_THEME = (
    "themeQuartz.withParams({accentColor: '#3451b2', fontFamily: 'inherit', fontSize: 13,"
    " headerBackgroundColor: '#f3f5fa', spacing: 6, wrapperBorderRadius: 8})"
)
NUMBER = {"type": "rightAligned", "filter": "agNumberColumnFilter"}


def _format(digits: int, suffix: str = "") -> dict:
    return {
        "function": f"params.value == null ? '—' : d3.format(',.{digits}f')(params.value)"
        f" + '{suffix}'"
    }


def number_column(field: str, header: str, digits: int = 0, suffix: str = "", **extra) -> dict:
    return {
        "field": field,
        "headerName": header,
        **NUMBER,
        "valueFormatter": _format(digits, suffix),
        **extra,
    }


def percent_column(field: str, header: str, **extra) -> dict:
    return {
        "field": field,
        "headerName": header,
        **NUMBER,
        "valueFormatter": {
            "function": "params.value == null ? '—' : d3.format('.0%')(params.value)"
        },
        **extra,
    }


def text_column(field: str, header: str, **extra) -> dict:
    return {"field": field, "headerName": header, "filter": "agTextColumnFilter", **extra}


def records(frame: pl.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts: dates as ISO text, lists joined."""
    out = []
    for row in frame.iter_rows(named=True):
        out.append({k: _jsonable(v) for k, v in row.items()})
    return out


def _jsonable(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if v is not None)
    return value


def grid(
    id: str,  # noqa: A002 - Dash's name
    columns: list[dict],
    rows: list[dict],
    row_id: str | None = None,
    height: int = 420,
    column_size: str = "responsiveSizeToFit",
    **extra,
) -> dag.AgGrid:
    """A themed grid; ``row_id`` names the field that identifies a row in ``cellClicked``.

    ``column_size="autoSize"`` makes each column as wide as its header and cells (wide
    tables then scroll sideways rather than cut headers short)."""
    options = {
        "animateRows": False,
        "tooltipShowDelay": 300,
        "theme": {"function": GRID_THEME},
        **extra.pop("options", {}),
    }
    if row_id:
        extra["getRowId"] = f"params.data.{row_id}"
    return dag.AgGrid(
        id=id,
        columnDefs=columns,
        rowData=rows,
        defaultColDef={
            "sortable": True,
            "resizable": True,
            "minWidth": 80,
            # headers wrap instead of being cut ("Con…"): a column is as wide as its data
            "wrapHeaderText": True,
            "autoHeaderHeight": True,
        },
        dashGridOptions=options,
        columnSize=column_size,
        style={"height": f"{height}px", "width": "100%"},
        **extra,
    )


def rate_column(field: str, header: str, **extra) -> dict:
    """A count per week: whole numbers from 10 on, one decimal below."""
    return {
        "field": field,
        "headerName": header,
        **NUMBER,
        "valueFormatter": {
            "function": "params.value == null ? '—' : "
            "d3.format(Math.abs(params.value) >= 10 ? ',.0f' : ',.1f')(params.value)"
        },
        **extra,
    }


def range_column(low: str, high: str, header: str, prefix: str = "", **extra) -> dict:
    """An interval shown as ``52–71``, sorted by its lower end."""
    return {
        "field": low,
        "headerName": header,
        **NUMBER,
        "valueFormatter": {
            "function": f"params.value == null || params.data.{high} == null ? '—' : "
            f"'{prefix}' + d3.format(',.0f')(params.value) + '–' + "
            f"d3.format(',.0f')(params.data.{high})"
        },
        **extra,
    }


def opportunity_columns(
    factor_names: list[str],
    formulas: dict[str, str],
    currency: str = "€",
    with_rank: bool = True,
) -> list[dict]:
    """Columns of the ranking: the figures of merit, savings with their 80 % range, then
    one column per score factor. Every header says how its figure is computed (hover)."""

    def told(column: dict, key: str | None = None) -> dict:
        return {**column, "headerTooltip": formulas.get(key or column["field"], "")}

    money = f"'{currency} ' + "
    columns = [
        number_column("rank", "#", maxWidth=70, minWidth=60, pinned="left") if with_rank else None,
        text_column(
            "name",
            "Candidate process",
            width=320,
            suppressAutoSize=True,
            pinned="left",
            cellClass="link-cell",
            tooltipField="name",
            wrapText=True,
            autoHeight=True,
        ),
        told(number_column("score", "Score", 1, sort=None)),
        told(percent_column("confidence", "Confidence")),
        told(number_column("hours_saved_per_month", "Hours saved / month", 1)),
        told(range_column("hours_low", "hours_high", "80 % range (h)"), "hours_range"),
        told(
            {
                **number_column("money_per_month", "Money / month"),
                "valueFormatter": {
                    "function": "params.value == null ? '—' : "
                    + money
                    + "d3.format(',.0f')(params.value)"
                },
            }
        ),
        told(range_column("money_low", "money_high", "80 % range", f"{currency} "), "money_range"),
        told(number_column("n_instances", "Instances")),
        told(rate_column("per_week", "Per week")),
        told(number_column("n_users", "Users")),
        told(number_column("mean_duration_s", "Mean duration", 0, " s")),
        told(number_column("n_variants", "Variants")),
        text_column("apps", "Apps", minWidth=160),
        text_column("note", "Note", minWidth=140, tooltipField="note"),
    ]
    factors = {
        "headerName": "Score factors",
        "children": [
            told(number_column(f"factor_{name}", name.replace("_", " "), 2), name)
            for name in factor_names
        ],
    }
    return [c for c in columns if c] + ([factors] if factor_names else [])
