"""A default user for UI logs recorded without one.

Action Logger and SmartRPA logs often come without a user column, or with it empty: one
person recorded them. Rather than refuse such a file, its rows without a user are
imported under the file's name (without its suffix); where every other row names the
same user, the blank rows are that person's (a recorder that left the field empty now
and then), so a recording is not split in two. A `DefaultUserWarning` says how many rows
that was, whose they became, and how to choose. A column map that sets or maps
``user_id`` itself is left alone: the map decides.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import polars as pl

from storage.importers.columns import ColumnMap


class DefaultUserWarning(UserWarning):
    """Rows of a log were imported under the default user (the file's name)."""


def fill_default_user(
    raw: pl.DataFrame, column: str, path: str | Path, overlay: ColumnMap | None
) -> pl.DataFrame:
    """``raw`` with ``column`` set to the file's stem wherever it is missing or blank.

    Warns with a `DefaultUserWarning` when any row got the default. Nothing changes when
    ``overlay`` (a user's column map) maps or sets ``user_id``.
    """
    if overlay is not None and ("user_id" in overlay.columns or "user_id" in overlay.constants):
        return raw
    stem = Path(path).stem
    if column in raw.columns:
        value = pl.col(column)
        blank = value.is_null() | (value.str.strip_chars() == "")
        defaulted = int(raw.select(blank.sum()).item())
        if not defaulted:  # the usual case: no pass over the users, no copy of the column
            return raw
        named = raw.filter(~blank)[column].unique()
        if named.len() == 1:  # one person recorded it: the blank rows are theirs
            stem = named[0]
        filled = raw.with_columns(pl.when(blank).then(pl.lit(stem)).otherwise(value).alias(column))
        why = f"an empty {column}"
    else:
        defaulted = raw.height
        filled = raw.with_columns(pl.lit(stem, pl.String).alias(column))
        why = f"no {column} column"
    if defaulted:
        warnings.warn(
            DefaultUserWarning(
                f"{Path(path).name!r}: {defaulted:,} of {raw.height:,} rows have {why}; "
                f"imported under the user {stem!r}. To choose the user, pass a column map "
                f'with [constants] user_id = "NAME" (see sample_logs/maps/)'
            ),
            stacklevel=3,
        )
    return filled
