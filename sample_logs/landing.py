"""Simulated events written as a collector's landing area (`storage.landing`), for
tests and benchmarks of mining on many users."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from sample_logs.simulation import simulate
from storage.landing import write_landing


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
