"""The shared data contracts: the recorded `Event` and the column types of each table.

Every package that produces or consumes events speaks these names. Polars dtypes are the
source of truth for bulk I/O; `schema.py` holds the matching DuckDB DDL.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

import polars as pl

#: Event kinds the recorder emits. Imported logs keep their own event type names
#: (``insertValue``, ``clickButton``…) so that no distinction in the source is lost.
RECORDED_KINDS = (
    "click",
    "double_click",
    "right_click",
    "scroll",
    "type",
    "hotkey",
    "copy",
    "paste",
    "cut",
    "focus",
    "idle",
    "paused",
)

EVENT_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.Int64,
    "session_id": pl.String,
    "user_id": pl.String,
    "ts": pl.Datetime("us"),
    "kind": pl.String,
    "app": pl.String,
    "window_title": pl.String,
    "url": pl.String,
    "element_id": pl.String,
    "element_name": pl.String,
    "element_role": pl.String,
    "element_label": pl.String,
    "x": pl.Int32,
    "y": pl.Int32,
    "text": pl.String,
    "screenshot_id": pl.Int64,
    "source_file": pl.String,
    "source_row": pl.Int64,
    "attrs": pl.String,
    "truth_process": pl.String,
    "truth_instance": pl.String,
}
"""Columns of ``events``. ``attrs`` is a JSON object of every input column that has no
column of its own (nothing is dropped). ``truth_*`` hold ground truth where a log has it;
mining never reads them, only evaluation does."""

REQUIRED_EVENT_COLUMNS = ("user_id", "ts", "kind")

#: Characters XML 1.0 cannot hold (tab, newline and carriage return it can). No event
#: string keeps them: a BEL in a window title would break every BPMN and XES writer.
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"

#: Image formats a screenshot may have; anything else is refused on import.
SCREENSHOT_FORMATS = ("webp", "png", "jpeg")

SESSION_SCHEMA: dict[str, pl.DataType] = {
    "session_id": pl.String,
    "user_id": pl.String,
    "host": pl.String,
    "os": pl.String,
    "screen_width": pl.Int32,
    "screen_height": pl.Int32,
    "recorder_version": pl.String,
    "started_at": pl.Datetime("us"),
    "ended_at": pl.Datetime("us"),
    "dropped_events": pl.Int64,
}

SCREENSHOT_SCHEMA: dict[str, pl.DataType] = {
    "screenshot_id": pl.Int64,
    "session_id": pl.String,
    "ts": pl.Datetime("us"),
    "format": pl.String,
    "width": pl.Int32,
    "height": pl.Int32,
    "size_bytes": pl.Int64,
    "phash": pl.Int64,
    "image": pl.Binary,
    "base_id": pl.Int64,
    "tile_x": pl.Int32,
    "tile_y": pl.Int32,
}
"""Columns of ``screenshots``. A row with a ``base_id`` holds only the rectangle that changed
since that screenshot, at (``tile_x``, ``tile_y``) of its full frame of ``width`` x
``height`` (see `storage.screenshots`); a row without one holds the full frame."""


@dataclass(frozen=True, slots=True)
class Event:
    """One user action as the recorder captures it; ``ts`` is a naive UTC datetime."""

    session_id: str
    user_id: str
    ts: datetime
    kind: str
    app: str | None = None
    window_title: str | None = None
    url: str | None = None
    element_id: str | None = None
    element_name: str | None = None
    element_role: str | None = None
    element_label: str | None = None
    x: int | None = None
    y: int | None = None
    text: str | None = None
    screenshot_id: int | None = None
    attrs: str | None = None

    def as_row(self) -> dict:
        return asdict(self)


def strip_control_characters(text: pl.Expr) -> pl.Expr:
    """``text`` without `CONTROL_CHARACTERS` (BEL, ESC, NUL and the like)."""
    return text.str.replace_all(CONTROL_CHARACTERS, "")


def conform(df: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Return ``df`` with exactly the columns of ``schema``, in order, cast to its types.

    Missing columns become nulls; columns not in the schema are an error for the caller
    to have handled (importers fold them into ``attrs`` first).
    """
    unknown = set(df.columns) - set(schema)
    if unknown:
        raise ValueError(f"unknown columns {sorted(unknown)}")
    return df.select(
        (pl.col(name) if name in df.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in schema.items()
    )
