"""Our own Parquet interchange files: what recorders ship and ``taskmine export`` writes.

A recording ``NAME.parquet`` holds events in the columns of ``events``; optional sidecars
``NAME.sessions.parquet`` and ``NAME.screenshots.parquet`` carry its sessions and
screenshots (see `storage.exporters.parquet`). Columns we do not know go to ``attrs``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from storage.errors import ImportFormatError
from storage.importers.checks import check_width, shown
from storage.importers.columns import MAPPABLE_FIELDS, ColumnMap, column_map, map_columns
from storage.models import SCREENSHOT_FORMATS, SCREENSHOT_SCHEMA, SESSION_SCHEMA

SIDECARS = {"sessions": SESSION_SCHEMA, "screenshots": SCREENSHOT_SCHEMA}
#: Sidecar columns that need a value on every row (the tables' NOT NULL columns).
_REQUIRED = {
    "sessions": ("session_id", "user_id"),
    "screenshots": ("screenshot_id", "ts", "format", "image"),
}

PARQUET_MAP = column_map({name: name for name in MAPPABLE_FIELDS})


def sidecar_path(path: str | Path, kind: str) -> Path:
    """``NAME.parquet`` → ``NAME.<kind>.parquet``; in a collector's landing area
    (`storage.collector`), ``ROOT/events/user=U/day=D/NAME.parquet`` →
    ``ROOT/<kind>/user=U/day=D/NAME.parquet``."""
    path = Path(path)
    if _landed_kind(path) == "events":
        return path.parents[3] / kind / path.parent.parent.name / path.parent.name / path.name
    return path.with_name(f"{path.name.removesuffix('.parquet')}.{kind}.parquet")


def is_sidecar(path: Path) -> bool:
    return _landed_kind(path) in SIDECARS or any(
        path.name.endswith(f".{kind}.parquet") for kind in SIDECARS
    )


def _landed_kind(path: Path) -> str | None:
    """``events``, ``sessions`` or ``screenshots`` for a file of a collector's landing
    area (``…/<kind>/user=…/day=…/NAME.parquet``), else None."""
    parts = path.parts
    if len(parts) >= 4 and parts[-3].startswith("user=") and parts[-2].startswith("day="):
        return parts[-4]
    return None


def read_parquet(
    path: str | Path, overlay: ColumnMap | None = None
) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """Events of a Parquet file and its sidecar frames by kind (only those present)."""
    path = Path(path)
    raw = _read_frame(path)
    if raw.height == 0:
        raise ImportFormatError(str(path), "the file holds no events")
    events = map_columns(
        raw, PARQUET_MAP.overlay(overlay), str(path), locate=lambda row: None, header_line=None
    )
    sidecars = {}
    for kind in SIDECARS:
        side = sidecar_path(path, kind)
        if side.exists():
            sidecars[kind] = _conform_sidecar(_read_frame(side), kind, side)
    return events, sidecars


def _read_frame(path: Path) -> pl.DataFrame:
    if path.stat().st_size == 0:
        raise ImportFormatError(str(path), "the file is empty")
    try:
        check_width(len(pl.read_parquet_schema(path)), str(path), line=None)
        return pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImportFormatError(
            str(path), f"not a readable Parquet file: truncated, or not Parquet at all ({detail})"
        ) from exc


def _conform_sidecar(frame: pl.DataFrame, kind: str, path: Path) -> pl.DataFrame:
    """The sidecar in the table's columns and types, every row with what the table needs."""
    schema = SIDECARS[kind]
    unknown = sorted(set(frame.columns) - set(schema))
    if unknown:
        raise ImportFormatError(str(path), f"unexpected columns {unknown}")
    try:
        frame = frame.select(
            (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t, strict=True).alias(c)
            for c, t in schema.items()
        )
    except pl.exceptions.PolarsError as exc:
        raise ImportFormatError(str(path), f"a column has the wrong type ({exc})") from exc
    for name in _REQUIRED[kind]:
        _refuse_first(path, frame[name].is_null(), f"{name} is empty")
    if kind == "screenshots":
        frame = _check_screenshots(frame, path)
    return frame


def _check_screenshots(frame: pl.DataFrame, path: Path) -> pl.DataFrame:
    """Ids are unique (a repeated id would multiply the events pointing at it), the
    format is one of `SCREENSHOT_FORMATS` (it ends up in an ``<img>`` and a MIME type),
    and a changed rectangle's base is in the same file (ids are renumbered on import)."""
    ids = frame["screenshot_id"]
    repeated = ~ids.is_first_distinct()
    _refuse_first(path, repeated, lambda row: f"screenshot_id {ids[row]} appears twice")
    formats = frame["format"].str.to_lowercase()
    _refuse_first(
        path,
        ~formats.is_in(SCREENSHOT_FORMATS),
        lambda row: (
            f"format {shown(frame['format'][row])} is not one of {', '.join(SCREENSHOT_FORMATS)}"
        ),
    )
    bases = frame["base_id"]
    _refuse_first(
        path,
        bases.is_not_null() & ~bases.is_in(ids.implode()),
        lambda row: f"base_id {bases[row]} is not a screenshot_id of this file",
    )
    _refuse_first(
        path,
        bases.is_not_null() & (frame["tile_x"].is_null() | frame["tile_y"].is_null()),
        lambda row: f"a changed rectangle (base_id {bases[row]}) has no tile_x or tile_y",
    )
    _refuse_first(
        path,
        bases.is_not_null() & ((frame["tile_x"] < 0) | (frame["tile_y"] < 0)).fill_null(False),
        "a changed rectangle (base_id) has a negative tile_x or tile_y",
    )
    _refuse_first(
        path,
        pl.Series(_never_reaches_a_full_frame(ids, bases)),
        lambda row: (
            f"screenshot_id {ids[row]}: its chain of base_id never reaches a full frame (it loops)"
        ),
    )
    return frame.with_columns(format=formats)


def _never_reaches_a_full_frame(ids: pl.Series, bases: pl.Series) -> np.ndarray:
    """For each row, whether following ``base_id`` from it loops forever (every base is
    a row of the file, checked before). Pointer jumping: after k rounds each row points
    2**k links ahead, or at -1 once its chain ended; a chain that has not ended after
    log2(rows) + 1 rounds is longer than the file, so it loops."""
    positions = pl.Series(np.arange(len(ids), dtype=np.int64))
    ahead = bases.replace_strict(ids, positions, default=-1).fill_null(-1).to_numpy()
    for _ in range(max(1, len(ahead)).bit_length() + 1):
        ahead = np.where(ahead >= 0, ahead[np.maximum(ahead, 0)], -1)
    return ahead >= 0


def _refuse_first(path: Path, bad: pl.Series, problem: str | Callable[[int], str]) -> None:
    """Raise for the first row where ``bad`` holds, naming that row."""
    if bad.any():
        row = int(bad.arg_max())  # type: ignore[arg-type]
        text = problem(row) if callable(problem) else problem
        raise ImportFormatError(str(path), f"data row {row}: {text}")
