"""The landing area of a fleet: events partitioned by user and day as Parquet,
``DIR/events/user=<id>/day=YYYY-MM-DD/<part>.parquet``, in the interchange schema
(`storage.models.EVENT_SCHEMA`).

`taskmine collect` lands uploads there; `taskmine mine --data DIR` (either engine) reads
it. User folders are named as the collector names them (`storage.collector.layout
.encode_user`: percent-encoded, so a user id with a slash or ``..`` stays one folder
name); readers take the user from the data itself.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from storage.collector.layout import encode_user
from storage.models import EVENT_SCHEMA


def user_folder(root: str | Path, user_id: str) -> Path:
    """The folder of one user's partitions under a landing area's ``root``."""
    return Path(root, "events", f"user={encode_user(user_id)}")


def write_landing(events: pl.DataFrame, root: str | Path, part: str = "part-0") -> int:
    """Write ``events`` under ``root/events/user=…/day=…/{part}.parquet``; return the
    number of events written. Each call with another ``part`` adds files next to the
    earlier ones, as successive uploads do."""
    frame = events.select(
        pl.col(c).cast(t) if c in events.columns else pl.lit(None, t).alias(c)
        for c, t in EVENT_SCHEMA.items()
    )
    keyed = frame.with_columns(_day=pl.col("ts").dt.date().cast(pl.String))
    for (user, day), group in keyed.partition_by(
        "user_id", "_day", as_dict=True, maintain_order=True
    ).items():
        folder = user_folder(root, str(user)) / f"day={day}"
        folder.mkdir(parents=True, exist_ok=True)
        group.drop("_day").write_parquet(folder / f"{part}.parquet")
    return frame.height
