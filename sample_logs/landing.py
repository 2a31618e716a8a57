"""Writing simulated events as a collector's landing area, for tests and benchmarks.

The layout is the one `taskmine collect` lands and the Ray engine reads: hive-style
partitions ``DIR/events/user=<id>/day=YYYY-MM-DD/*.parquet`` in the interchange schema
(`storage.models.EVENT_SCHEMA`). Partition values are percent-encoded, so a user id with
a slash or ``..`` stays one folder name; readers take the user from the data itself.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import polars as pl

from sample_logs.simulation import simulate
from storage.models import EVENT_SCHEMA


def write_landing(events: pl.DataFrame, root: str | Path, part: str = "part-0") -> int:
    """Write ``events`` under ``root/events/user=…/day=…/{part}.parquet``; return the
    number of events written. Each call with another ``part`` adds files next to the
    earlier ones, as successive uploads do."""
    frame = events.select(EVENT_SCHEMA.keys()).cast(EVENT_SCHEMA)
    keyed = frame.with_columns(_day=pl.col("ts").dt.date().cast(pl.String))
    for (user, day), group in keyed.partition_by(
        "user_id", "_day", as_dict=True, maintain_order=True
    ).items():
        folder = Path(root, "events", f"user={quote(str(user), safe='')}", f"day={day}")
        folder.mkdir(parents=True, exist_ok=True)
        group.drop("_day").write_parquet(folder / f"{part}.parquet")
    return frame.height


def simulate_landing(
    root: str | Path, users: int, days: int, seed: int = 0, chunk: int = 10
) -> int:
    """Simulate ``users`` users over ``days`` days into a landing area, ``chunk`` users at
    a time (so memory follows the chunk, not the log); return the events written.

    Chunk ``k`` is simulated with seed ``seed + k`` (user ids are digests of seed and
    index, so they stay distinct); event ids continue from one chunk to the next.
    """
    written = 0
    for k, first in enumerate(range(0, users, chunk)):
        sim = simulate(min(chunk, users - first), days, seed=seed + k, screenshots=False)
        events = sim.events.with_columns(pl.col("event_id") + written)
        written += write_landing(events, root)
    return written
