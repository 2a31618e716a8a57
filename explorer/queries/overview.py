"""What was recorded: counts, active hours per app and per weekday × hour."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from explorer.queries.reader import cached_by_file, reading
from storage.store import Store

#: A gap between two events longer than this is time away, not work.
IDLE_GAP_S = 300


@dataclass(frozen=True)
class Overview:
    totals: dict[str, float | int | None]
    per_app: pl.DataFrame  # app, hours
    heatmap: pl.DataFrame  # dow (0 = Monday), hour, hours


@cached_by_file
def read_overview(db: Path) -> Overview:
    """What was recorded: counts, active hours per app and per weekday × hour."""
    with reading(db) as store:
        totals = store.query(
            "SELECT count(*) AS events, count(DISTINCT user_id) AS users, "
            "count(DISTINCT app) AS apps, count(DISTINCT (user_id, ts::DATE)) AS user_days, "
            "count(DISTINCT ts::DATE) AS days, min(ts) AS first, max(ts) AS last FROM events"
        ).row(0, named=True)
        active = store.query(
            f"""WITH gaps AS (
                  SELECT app, ts, epoch(lead(ts) OVER (PARTITION BY user_id
                         ORDER BY ts, event_id) - ts) AS gap FROM events)
                SELECT app, isodow(ts) - 1 AS dow, hour(ts) AS hour,
                       sum(gap) / 3600 AS hours
                FROM gaps WHERE gap <= {IDLE_GAP_S} GROUP BY ALL"""
        )
        routine_s = _routine_seconds(store)
        totals["sessions"] = store.count("sessions")
    per_app = (
        active.group_by("app")
        .agg(pl.col("hours").sum())
        .sort("hours", descending=True)
        .with_columns(pl.col("app").fill_null("(unknown)"))
    )
    heatmap = active.group_by("dow", "hour").agg(pl.col("hours").sum())
    hours = float(active["hours"].sum() or 0.0)
    totals["hours"] = hours
    totals["routine_share"] = (
        None if routine_s is None or hours == 0 else min(1.0, routine_s / 3600 / hours)
    )
    return Overview(totals, per_app, heatmap)


def _routine_seconds(store: Store) -> float | None:
    """Seconds spent in instances of candidate processes in the latest run, if any."""
    run = store.query("SELECT max(run_id) FROM mining_runs WHERE status = 'done'").item()
    if run is None:
        return None
    return float(
        store.query(
            "SELECT coalesce(sum(duration_s), 0) FROM instances "
            "WHERE run_id = ? AND process_id >= 0",
            [run],
        ).item()
    )
