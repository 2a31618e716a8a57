"""A mining run's result tables read back in a fixed order, for comparing runs."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from storage.store import RESULT_TABLES, open_store

ORDER = {
    "instances": ["instance_id"],
    "instance_events": ["instance_id", "position"],
    "processes": ["process_id"],
    "process_steps": ["process_id", "step_no"],
    "variants": ["process_id", "variant_id"],
}


def results(path: Path, run_id: int | None = None) -> dict[str, pl.DataFrame]:
    """Every result table of run ``run_id`` (the latest by default) of the store at
    ``path``, without the run id, sorted by its key."""
    with open_store(path, read_only=True) as store:
        run = store.latest_run_id() if run_id is None else run_id
        return {t: store.read_results(t, run).drop("run_id").sort(ORDER[t]) for t in RESULT_TABLES}
