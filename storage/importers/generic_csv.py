"""Any CSV log, given a column map; without one, a CSV whose columns are our own names.

``taskmine export`` writes CSV with the ``events`` column names, so such a file imports
back without a map; every other CSV needs ``--column-map`` (see ``sample_logs/maps/``).
A spreadsheet CSV of ours (it starts with a byte-order mark) gets back the values it had
before `storage.formulas` neutralised them.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from storage.formulas import BOM, restore_formulas
from storage.importers.columns import MAPPABLE_FIELDS, ColumnMap, column_map, map_columns
from storage.importers.csvlog import data_row_line, read_csv_raw

#: Columns whose presence in a header identifies a CSV in our own column names.
SIGNATURE = frozenset({"user_id", "ts", "kind"})

IDENTITY_MAP = column_map({name: name for name in MAPPABLE_FIELDS})


def read_csv_log(path: str | Path, cmap: ColumnMap | None = None) -> pl.DataFrame:
    """Events of a CSV file mapped by ``cmap`` (default: columns named as in ``events``)."""
    raw = read_csv_raw(path)
    if cmap is None and _starts_with_bom(path):
        raw = restore_formulas(raw)
    return map_columns(raw, cmap or IDENTITY_MAP, str(path), lambda row: data_row_line(path, row))


def _starts_with_bom(path: str | Path) -> bool:
    with Path(path).open("rb") as handle:
        return handle.read(len(BOM)) == BOM
