"""Exporters: events and mined instances out of a database, as Parquet, CSV or XES.

Every file is written beside its target and renamed into place, so a failed export never
leaves half a file under the name asked for.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from storage.errors import ExportError, NoMiningRunError
from storage.exporters.csvfile import csv_bytes, write_csv
from storage.exporters.files import write_atomically
from storage.exporters.parquet import write_parquet
from storage.exporters.xes import write_xes
from storage.store import Store

__all__ = [
    "EVENT_EXPORT_FORMATS",
    "csv_bytes",
    "export_events",
    "export_instances",
    "read_instance_events",
    "write_csv",
    "write_parquet",
    "write_xes",
]

EVENT_EXPORT_FORMATS = ("parquet", "csv", "xes")
_SUFFIXES = {".parquet": "parquet", ".csv": "csv", ".xes": "xes"}


def export_events(store: Store, path: str | Path, fmt: str = "auto", raw_csv: bool = False) -> int:
    """Write every event of ``store`` to ``path``; return the number written.

    Parquet also writes the sessions and screenshots sidecars, so the file imports into
    another database complete. XES has one trace per mined task instance when a mining
    run exists, else one per user and day. CSV has formulas neutralised unless
    ``raw_csv`` (see `storage.formulas`). Example: ``export_events(store, "all.xes")``.
    """
    fmt = _format(path, fmt, EVENT_EXPORT_FORMATS)
    events = store.read_events()
    if fmt == "parquet":
        write_parquet(
            path,
            events,
            sessions=store.query("SELECT * FROM sessions ORDER BY session_id"),
            screenshots=store.query("SELECT * FROM screenshots ORDER BY screenshot_id"),
        )
    elif fmt == "csv":
        write_csv(path, events, raw=raw_csv)
    else:
        write_xes(path, _with_case(store, events), case="case")
    return events.height


def read_instance_events(store: Store, run_id: int | None = None) -> pl.DataFrame:
    """One row per event that a mining run put in an instance, traceable to its input.

    Columns: ``source_file, source_row, user_id, ts, instance_id, process_id,
    process_name`` and then ``event_id, position, action, kind, app, window_title``;
    ``process_id`` is -1 (and the name empty) for instances in no candidate process.

    ``instance_id`` names an uninterrupted stretch of an instance, as task-recognition
    ground truth counts instances (a maximal run of one instance's events): mining lets
    an instance resume after other work (a chat, another routine, a step it left out),
    and each stretch after the first is ``<instance>/<n>`` (``17``, then ``17/2``).
    """
    run_id = store.latest_run_id() if run_id is None else run_id
    return store.query(
        """
        WITH stream AS (  -- every event of each user, in the order mining reads them
            SELECT e.event_id, e.ts, ie.instance_id,
                   lag(ie.instance_id) OVER (
                       PARTITION BY e.user_id ORDER BY e.ts, e.event_id
                   ) AS before
            FROM events e
            LEFT JOIN instance_events ie ON ie.event_id = e.event_id AND ie.run_id = ?
        ),
        stretches AS (
            SELECT event_id, sum(CASE WHEN before IS NOT DISTINCT FROM instance_id
                                      THEN 0 ELSE 1 END) OVER (
                       PARTITION BY instance_id ORDER BY ts, event_id
                   ) AS stretch
            FROM stream
            WHERE instance_id IS NOT NULL
        )
        SELECT e.source_file, e.source_row, e.user_id, e.ts,
               CASE WHEN s.stretch = 1 THEN CAST(ie.instance_id AS VARCHAR)
                    ELSE ie.instance_id || '/' || s.stretch END AS instance_id,
               i.process_id, p.name AS process_name,
               e.event_id, ie.position, ie.action, e.kind, e.app, e.window_title
        FROM instance_events ie
        JOIN instances i USING (run_id, instance_id)
        JOIN events e USING (event_id)
        JOIN stretches s USING (event_id)
        LEFT JOIN processes p ON p.run_id = i.run_id AND p.process_id = i.process_id
        WHERE ie.run_id = ?
        ORDER BY e.user_id, e.ts, e.event_id
        """,
        [run_id, run_id],
    )


def export_instances(
    store: Store, path: str | Path, run_id: int | None = None, raw_csv: bool = False
) -> int:
    """Write `read_instance_events` to CSV (or Parquet by suffix); return the row count.

    CSV has formulas neutralised unless ``raw_csv`` (see `storage.formulas`).
    """
    rows = read_instance_events(store, run_id)
    if _format(path, "auto", ("csv", "parquet")) == "parquet":
        write_atomically(path, rows.write_parquet)
    else:
        write_csv(path, rows, raw=raw_csv)
    return rows.height


def _with_case(store: Store, events: pl.DataFrame) -> pl.DataFrame:
    """Events with a ``case``: their mined instance, else ``user_id/day``."""
    day_case = pl.concat_str(
        [pl.col("user_id"), pl.col("ts").dt.strftime("%Y-%m-%d")], separator="/"
    )
    try:
        run_id = store.latest_run_id()
    except NoMiningRunError:
        return events.with_columns(case=day_case)
    instances = store.query(
        "SELECT event_id, 'instance-' || instance_id AS instance FROM instance_events "
        "WHERE run_id = ?",
        [run_id],
    )
    return (
        events.join(instances, on="event_id", how="left", maintain_order="left")
        .with_columns(case=pl.coalesce("instance", day_case))
        .drop("instance")
    )


def _format(path: str | Path, fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt == "auto":
        fmt = _SUFFIXES.get(Path(path).suffix.lower(), "")
    if fmt not in allowed:
        raise ExportError(
            f"cannot tell which format to write to {path}",
            f"name it with one of the suffixes .{', .'.join(allowed)} or pass --format",
        )
    return fmt
