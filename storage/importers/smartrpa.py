"""SmartRPA CSV (Agostinelli et al.): one row per UI event, written UTF-8 with a BOM.

Timestamps look like ``2020-02-12 17:11:14:465`` (milliseconds after a colon) in the
recording machine's local time; pass a column map with ``[timestamp] timezone`` to say
which zone that was (default UTC). The element is its HTML ``id``, else the cell range
of a spreadsheet event, else its XPath; the click position comes from ``mouse_coord``.
Unmapped columns (``category``, ``mouse_coord``…) are kept in ``attrs``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from storage.importers.columns import ColumnMap, column_map, map_columns
from storage.importers.csvlog import data_row_line, read_csv_raw
from storage.importers.default_user import fill_default_user

#: Columns whose presence in a header identifies the format (``user`` may be missing: such
#: rows get a default user, see `default_user`).
SIGNATURE = frozenset({"timestamp", "category", "application", "event_type"})

SMARTRPA_MAP = column_map(
    {
        "ts": "timestamp",
        "user_id": "user",
        "app": "application",
        "kind": "event_type",
        "window_title": ["title", "workbook"],
        "url": "browser_url",
        "text": ["clipboard_content", "cell_content", "tag_value"],
        "element_id": ["id", "cell_range", "xpath"],
        "x": "mouse_x",
        "y": "mouse_y",
        "element_name": "tag_name",
        "element_role": ["tag_type", "tag_category"],
        "element_label": ["tag_innerText", "tag_title"],
    }
)


def read_smartrpa(path: str | Path, overlay: ColumnMap | None = None) -> pl.DataFrame:
    """Events of a SmartRPA CSV log; ``overlay`` adds or overrides mappings."""
    raw = _mouse_position(fill_default_user(read_csv_raw(path), "user", path, overlay))
    return map_columns(
        raw, SMARTRPA_MAP.overlay(overlay), str(path), lambda row: data_row_line(path, row)
    )


def _mouse_position(raw: pl.DataFrame) -> pl.DataFrame:
    """``mouse_x``, ``mouse_y`` from SmartRPA's ``mouse_coord`` ("412,233"); the original
    column is kept (in ``attrs``)."""
    if "mouse_coord" not in raw.columns:
        return raw
    coord = pl.col("mouse_coord").str.extract_groups(r"^\s*(-?\d+)\s*,\s*(-?\d+)\s*$")
    return raw.with_columns(mouse_x=coord.struct.field("1"), mouse_y=coord.struct.field("2"))
