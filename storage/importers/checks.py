"""Checks that keep hostile or broken input out of a database, each one linear in its input.

Every check here guards something later stages rely on: a bounded number of columns (a
header of a million names must not take minutes), timestamps a calendar and a chart can
show, ``attrs`` that DuckDB's JSON column accepts, and strings that an XML writer (BPMN,
XES, pm4py) can hold (`storage.models.strip_control_characters`, applied on every write).
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from storage.errors import ImportFormatError

#: Most columns an input may have: real UI logs have a few dozen, and a far wider file is
#: either not a log or made to exhaust time and memory.
MAX_COLUMNS = 1_000

#: Timestamps outside [EARLIEST, LATEST) are refused: no desktop was recorded before 1990,
#: and years such as 0 or 146,140 break every date library downstream.
EARLIEST = datetime(1990, 1, 1)
LATEST = datetime(2100, 1, 1)
TIME_WINDOW = f"{EARLIEST:%Y-%m-%d} .. {LATEST:%Y-%m-%d}"


def check_width(n_columns: int, path: str, line: int | None) -> None:
    """Refuse an input with more than `MAX_COLUMNS` columns."""
    if n_columns > MAX_COLUMNS:
        raise ImportFormatError(
            path,
            f"the file has {n_columns:,} columns; taskmine reads at most {MAX_COLUMNS:,}",
            line=line,
            hint="keep the columns the log needs and import it again; "
            "the database was left unchanged",
        )


def first_outside_time_window(ts: pl.Series) -> int | None:
    """The first row whose timestamp is outside the window, or None."""
    outside = (ts < EARLIEST) | (ts >= LATEST)
    return int(outside.arg_max()) if outside.any() else None  # type: ignore[arg-type]


def first_invalid_json_object(values: pl.Series) -> int | None:
    """The first non-null value that is not a JSON object as DuckDB reads JSON, or None."""
    con = duckdb.connect()
    try:
        con.register("frame", values.to_frame("value").with_row_index("row"))
        (bad,) = con.execute(
            "SELECT min(row) FROM frame WHERE value IS NOT NULL "
            "AND NOT (json_valid(value) AND ltrim(value) LIKE '{%')"
        ).fetchone()
    finally:
        con.close()
    return None if bad is None else int(bad)


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters: an error line quotes input, not all of it."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
