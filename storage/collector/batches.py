"""Checking an uploaded Parquet file and landing it, split by user and day.

An upload is one interchange file (`storage.exporters.parquet`): events, or their
sessions or screenshots sidecar. `read_batch` refuses anything else before a byte lands:
not Parquet, too many rows, unknown columns, a type that does not cast, an empty required
field. `land_events` writes each (user, day) slice of an events upload, with the sidecar
rows its events refer to, under names derived from the upload's hash: landing the same
upload again rewrites the same files with the same bytes, so it never duplicates.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from storage.collector.errors import InvalidBatchError
from storage.collector.layout import encode_user, landed_name, partition_dir
from storage.exporters.files import write_atomically
from storage.models import EVENT_SCHEMA, SCREENSHOT_SCHEMA, SESSION_SCHEMA, conform

SCHEMAS = {"events": EVENT_SCHEMA, "sessions": SESSION_SCHEMA, "screenshots": SCREENSHOT_SCHEMA}
#: Columns that need a value on every row (the tables' NOT NULL columns).
REQUIRED = {
    "events": ("event_id", "user_id", "ts", "kind"),
    "sessions": ("session_id", "user_id"),
    "screenshots": ("screenshot_id", "ts", "format", "image"),
}


def read_batch(path: Path, kind: str, max_rows: int, max_unpacked: int) -> pl.DataFrame:
    """The upload at ``path`` in the columns and types of ``kind``, or `InvalidBatchError`.

    The row count and the decompressed size come from the Parquet footer first, so a
    small file that would inflate to millions of rows or gigabytes is refused without
    being decompressed (a footer that understates its pages fails to decompress).
    """
    try:
        meta = pq.read_metadata(path)
        columns = pl.read_parquet_schema(path)
    except Exception as exc:  # pyarrow and polars raise several types for a broken footer
        raise InvalidBatchError(f"not a Parquet file ({_first_line(exc, path)})") from exc
    if meta.num_rows == 0:
        raise InvalidBatchError("the file holds no rows")
    if meta.num_rows > max_rows:
        raise InvalidBatchError(f"{meta.num_rows:,} rows; the collector takes at most {max_rows:,}")
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if unpacked > max_unpacked:
        raise InvalidBatchError(
            f"the file unpacks to {unpacked:,} bytes; the collector takes at most {max_unpacked:,}"
        )
    schema = SCHEMAS[kind]
    unknown = sorted(set(columns) - set(schema))
    if unknown:
        raise InvalidBatchError(f"columns {unknown[:5]} are not {kind} columns")
    try:
        frame = pl.read_parquet(path).select(
            (pl.col(c) if c in columns else pl.lit(None)).cast(t, strict=True).alias(c)
            for c, t in schema.items()
        )
    except Exception as exc:  # a cast or a corrupt page deep in the file
        raise InvalidBatchError(
            f"unreadable or mistyped {kind} ({_first_line(exc, path)})"
        ) from exc
    for name in REQUIRED[kind]:
        if frame[name].null_count():
            raise InvalidBatchError(f"{name} is empty on {frame[name].null_count():,} row(s)")
    if kind == "events":
        _check_partition_values(frame)
    return frame


def users_of(frame: pl.DataFrame) -> set[str]:
    return set(frame["user_id"].drop_nulls().unique().to_list())


def land_events(
    root: Path,
    sha256: str,
    events: pl.DataFrame,
    sessions: pl.DataFrame | None = None,
    screenshots: pl.DataFrame | None = None,
) -> int:
    """Write ``events`` under ``root/events/user=…/day=…/<sha256>.parquet``; return the
    number of files. Each slice's sidecars (the sessions and screenshots its rows refer
    to) land first, under the same name in ``root/sessions`` and ``root/screenshots``."""
    name = landed_name(sha256)
    events = conform(events, EVENT_SCHEMA)  # the contract readers rely on, whoever calls
    sidecars = [
        (kind, conform(frame, SCHEMAS[kind]), key)  # once, not once per slice
        for kind, frame, key in (
            ("sessions", sessions, "session_id"),
            ("screenshots", screenshots, "screenshot_id"),
        )
        if frame is not None
    ]
    keyed = events.with_columns(_day=pl.col("ts").dt.date())
    slices = keyed.partition_by(["user_id", "_day"], as_dict=True, maintain_order=True)
    for (user_id, day), part in sorted(slices.items()):
        part = part.drop("_day")
        for kind, frame, key in sidecars:
            mine = frame.filter(pl.col(key).is_in(part[key].drop_nulls().implode()))
            if mine.height:
                _write(partition_dir(root, kind, user_id, day) / name, mine)
        _write(partition_dir(root, "events", user_id, day) / name, part)
    return len(slices)


def _check_partition_values(events: pl.DataFrame) -> None:
    for user_id in users_of(events):
        encode_user(user_id)  # raises for a user id no folder can be named after


def _write(path: Path, frame: pl.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda tmp: frame.write_parquet(tmp, compression="zstd"))


def _first_line(exc: BaseException, path: Path) -> str:
    """The reader's reason, without the collector's own paths (the client reads it)."""
    text = str(exc).strip().replace(str(path.parent), "…")
    return text.splitlines()[0][:200] if text else type(exc).__name__
