"""Parquet interchange files: events, plus sessions and screenshots in sidecar files.

``NAME.parquet`` holds events in the columns of ``events``; ``NAME.sessions.parquet`` and
``NAME.screenshots.parquet`` are written when there are any. `storage.importers` reads
the three back (``taskmine import NAME.parquet``). This is the format recorders ship and
the simulator writes.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from storage.exporters.files import write_atomically
from storage.importers.parquet import sidecar_path
from storage.models import EVENT_SCHEMA, SCREENSHOT_SCHEMA, SESSION_SCHEMA, conform


def write_parquet(
    path: str | Path,
    events: pl.DataFrame,
    sessions: pl.DataFrame | None = None,
    screenshots: pl.DataFrame | None = None,
) -> None:
    """Write events (and sessions and screenshots, when given) as interchange Parquet.

    Example::

        write_parquet("spool/0001.parquet", events, sessions=sessions, screenshots=shots)
    """
    frames = [(Path(path), conform(events, EVENT_SCHEMA))]
    for kind, frame, schema in (
        ("sessions", sessions, SESSION_SCHEMA),
        ("screenshots", screenshots, SCREENSHOT_SCHEMA),
    ):
        if frame is not None and frame.height:
            frames.append((sidecar_path(path, kind), conform(frame, schema)))
    # Sidecars first: a reader that finds NAME.parquet finds its sidecars complete.
    for target, frame in reversed(frames):
        write_atomically(target, lambda tmp, f=frame: f.write_parquet(tmp, compression="zstd"))
