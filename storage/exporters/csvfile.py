"""CSV export of events in our own column names, which `taskmine import` reads back as is.

By default a CSV is for spreadsheets: formulas neutralised and a byte-order mark first
(see `storage.formulas`); ``raw=True`` writes the values as they are, for programs.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from storage.exporters.files import write_atomically
from storage.formulas import neutralise_formulas

#: ISO 8601 in UTC with microseconds, the timestamp layout of every CSV we write.
CSV_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.6fZ"


def write_csv(path: str | Path, frame: pl.DataFrame, raw: bool = False) -> None:
    """Write a frame as UTF-8 CSV with ISO 8601 UTC timestamps, atomically."""
    safe = frame if raw else neutralise_formulas(frame)
    write_atomically(
        path,
        lambda tmp: safe.write_csv(tmp, datetime_format=CSV_DATETIME_FORMAT, include_bom=not raw),
    )


def csv_bytes(frame: pl.DataFrame, raw: bool = False) -> bytes:
    """The bytes `write_csv` writes, for downloads (the explorer's CSV button)."""
    safe = frame if raw else neutralise_formulas(frame)
    return safe.write_csv(datetime_format=CSV_DATETIME_FORMAT, include_bom=not raw).encode()
