"""Shipping: closed sessions as interchange Parquet files in a spool folder.

One file per session, named by pseudonymous user and time range, written by
`storage.exporters.parquet.write_parquet` (sidecars first, atomically). A file already
in the folder is not written again, and ``taskmine import`` skips content it has seen,
so shipping and importing are both idempotent. A folder that is an outbox for a
collector (`recorder.upload`) keeps, for each file the collector acknowledged, only an
empty ``NAME.parquet.acknowledged`` marker, which keeps the session from being written
again.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from recorder.errors import ShipError
from storage.exporters.parquet import write_parquet
from storage.store import Store


def session_file_name(session: dict[str, Any]) -> str:
    """``<user>_<start>-<end>_<session>.parquet``, times in UTC."""
    return (
        f"{session['user_id']}_{_stamp(session['started_at'])}-{_stamp(session['ended_at'])}"
        f"_{session['session_id'][:8]}.parquet"
    )


def ship_sessions(store: Store, to: Path) -> list[Path]:
    """Write each closed session that is not in ``to`` yet; return the new files.

    Example::

        with open_store("recorder.duckdb") as store:
            ship_sessions(store, Path("/mnt/share/taskmine"))
    """
    try:
        to.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ShipError(f"cannot create the spool folder {to}: {exc}") from exc
    sessions = store.query(
        "SELECT * FROM sessions WHERE ended_at IS NOT NULL ORDER BY started_at, session_id"
    )
    written = []
    for session in sessions.iter_rows(named=True):
        path = to / session_file_name(session)
        if path.exists() or is_acknowledged(path):
            continue
        session_id = session["session_id"]
        events = store.query(
            "SELECT * FROM events WHERE session_id = ? ORDER BY ts, event_id", [session_id]
        )
        if events.height == 0:
            continue
        shots = store.query(
            "SELECT * FROM screenshots WHERE screenshot_id IN "
            "(SELECT screenshot_id FROM events WHERE session_id = ?) ORDER BY screenshot_id",
            [session_id],
        )
        try:
            write_parquet(path, events, sessions=pl.DataFrame([session]), screenshots=shots)
        except OSError as exc:
            raise ShipError(f"cannot write {path}: {exc}") from exc
        written.append(path)
    return written


def acknowledged_marker(path: Path) -> Path:
    """The marker left in an outbox once the collector acknowledged ``path``."""
    return path.with_name(path.name + ".acknowledged")


def is_acknowledged(path: Path) -> bool:
    return acknowledged_marker(path).exists()


def close_stale_sessions(store: Store, current: str = "") -> None:
    """Sessions a crash left open end at their last event, so that they can ship."""
    with store.transaction() as con:
        con.execute(
            "UPDATE sessions SET ended_at = coalesce((SELECT max(ts) FROM events e "
            "WHERE e.session_id = sessions.session_id), started_at) "
            "WHERE ended_at IS NULL AND session_id <> ?",
            [current],
        ).fetchall()


def _stamp(ts: datetime) -> str:
    return ts.strftime("%Y%m%dT%H%M%SZ")
