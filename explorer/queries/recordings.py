"""One user's day: sessions, the candidates' instances in it, and activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from explorer.queries.reader import cached_by_file, reading
from explorer.queries.units import Units, read_units


@cached_by_file
def read_user_days(db: Path) -> pl.DataFrame:
    """Each user's recorded days with their event counts, for the recordings picker."""
    with reading(db) as store:
        return store.query(
            "SELECT user_id, ts::DATE AS day, count(*) AS events FROM events "
            "GROUP BY ALL ORDER BY user_id, day"
        )


@dataclass(frozen=True)
class Timeline:
    sessions: pl.DataFrame  # session_id, start, end
    instances: pl.DataFrame  # instance_id, start_ts, end_ts, name, key
    activity: pl.DataFrame  # minute, events


def read_timeline(db: Path, user_id: str, day: date) -> Timeline:
    """One user's day: sessions, instances (named after decisions) and events per 5 min."""
    start, end = day, day + timedelta(days=1)
    with reading(db) as store:
        sessions = store.query(
            "SELECT session_id, min(ts) AS start, max(ts) AS end FROM events "
            "WHERE user_id = ? AND ts >= ? AND ts < ? GROUP BY ALL ORDER BY start",
            [user_id, start, end],
        )
        activity = store.query(
            "SELECT time_bucket(INTERVAL 5 MINUTE, ts) AS minute, count(*) AS events "
            "FROM events WHERE user_id = ? AND ts >= ? AND ts < ? GROUP BY ALL ORDER BY 1",
            [user_id, start, end],
        )
        done = store.query("SELECT max(run_id) FROM mining_runs WHERE status = 'done'").item()
        if done is None:
            return Timeline(sessions, _EMPTY_INSTANCES, activity)
        instances = store.query(
            "SELECT instance_id, start_ts, end_ts, n_events "
            "FROM instances WHERE run_id = ? AND user_id = ? AND start_ts >= ? "
            "AND start_ts < ? AND process_id >= 0 ORDER BY start_ts",
            [done, user_id, start, end],
        )
    return Timeline(sessions, _name_instances(instances, read_units(db, done)), activity)


_EMPTY_INSTANCES = pl.DataFrame(
    schema={
        "instance_id": pl.Int64,
        "start_ts": pl.Datetime("us"),
        "end_ts": pl.Datetime("us"),
        "n_events": pl.Int32,
        "name": pl.String,
        "key": pl.String,
    }
)


def _name_instances(instances: pl.DataFrame, found: Units) -> pl.DataFrame:
    """Label each instance with the candidate (after merges and splits) it belongs to."""
    names = pl.DataFrame(
        [(u.key, u.name) for u in found.units],
        schema={"key": pl.String, "name": pl.String},
        orient="row",
    )
    return (
        instances.join(found.members, on="instance_id")
        .join(names, on="key")
        .select(_EMPTY_INSTANCES.columns)
    )
