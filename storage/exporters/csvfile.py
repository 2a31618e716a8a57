"""CSV export of events in our own column names, which `taskmine import` reads back as is."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from storage.exporters.files import write_atomically

#: ISO 8601 in UTC with microseconds, the timestamp layout of every CSV we write.
CSV_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.6fZ"


def write_csv(path: str | Path, frame: pl.DataFrame) -> None:
    """Write a frame as UTF-8 CSV with ISO 8601 UTC timestamps, atomically."""
    write_atomically(path, lambda tmp: frame.write_csv(tmp, datetime_format=CSV_DATETIME_FORMAT))
