"""Ground truth measured from the ``truth_*`` columns: how often each routine ran and how
many hours it took, which is what a bot doing it would save."""

from __future__ import annotations

import polars as pl

from sample_logs.routines import ROUTINES
from sample_logs.steps import Node, walk


def measure_routines(events: pl.DataFrame) -> pl.DataFrame:
    """Executions, users, durations and hours per ``truth_process`` (noise left out).

    ``events`` must be in time order per user (as `Store.read_events` returns them).
    ``work_hours`` is the time spent on executions: the sum of the gaps between consecutive
    events of the same execution, so neither the time before it starts nor an interrupting
    task counts. Works on any log with ground truth, simulated or imported.

    >>> measure_routines(store.read_events()).head(3)  # doctest: +SKIP
    """
    same = pl.col("truth_instance").shift().over("user_id", "session_id") == pl.col(
        "truth_instance"
    )
    gap_us = pl.col("ts").diff().over("user_id", "session_id").dt.total_microseconds()
    per_instance = (
        # integer microseconds: sums that do not depend on the order of aggregation
        events.with_columns(work_us=pl.when(same).then(gap_us).otherwise(0))
        .filter(pl.col("truth_instance").is_not_null())
        .group_by("truth_process", "truth_instance")
        .agg(
            work_us=pl.col("work_us").sum(),
            n_events=pl.len(),
            user_id=pl.col("user_id").first(),
            apps=pl.col("app").drop_nulls().unique(),
        )
    )
    return (
        per_instance.group_by("truth_process")
        .agg(
            n_instances=pl.len(),
            n_users=pl.col("user_id").n_unique(),
            median_duration_s=pl.col("work_us").median() / 1e6,
            mean_events=pl.col("n_events").sum() / pl.len(),
            work_hours=pl.col("work_us").sum() / 3.6e9,
            apps=pl.col("apps").list.explode(keep_nulls=False, empty_as_null=False).unique().sort(),
        )
        .sort("work_hours", "truth_process", descending=[True, False])
    )


def routine_catalogue(events: pl.DataFrame) -> pl.DataFrame:
    """The simulator's routines, declared (description, rate, steps) and as measured.

    Sorted by ``work_hours``, descending: the order in which a miner should rank them.
    """
    n_user_days = max(events.select(pl.struct("user_id", "session_id").n_unique()).item(), 1)
    declared = pl.DataFrame(
        {
            "routine": [r.name for r in ROUTINES],
            "description": [r.description for r in ROUTINES],
            "per_user_day": [r.per_day for r in ROUTINES],
            "interrupts": [r.interrupts for r in ROUTINES],
            "steps": [step_labels(r.body) for r in ROUTINES],
        }
    )
    return (
        declared.join(
            measure_routines(events), left_on="routine", right_on="truth_process", how="left"
        )
        .with_columns(
            pl.col("n_instances", "n_users").fill_null(0),
            pl.col("work_hours").fill_null(0.0),
            hours_per_user_day=pl.col("work_hours").fill_null(0.0) / n_user_days,
        )
        .sort("work_hours", "routine", descending=[True, False])
    )


def step_labels(body: Node) -> list[str]:
    """Readable distinct steps of a routine (``kind element @ screen``), in tree order."""
    labels = (" ".join(filter(None, (a.kind, a.element, "@", a.screen))) for a in walk(body))
    return list(dict.fromkeys(labels))
