"""Import throughput: events per second into a fresh database, for 1M simulated events.

Simulates about 1M events (no screenshots), writes them once as interchange Parquet and
once as CSV in our own columns, and times ``import_logs`` (read, check, map, hash, write
in one transaction) on each, then a second import of the same file (skipped by its
hash). XES goes through pm4py's object model and is timed on the first 100k events.
Figures are printed, never asserted. Run: ``./run bench import_throughput``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from sample_logs.simulation import simulate
from storage.exporters import write_csv, write_parquet, write_xes
from storage.importers import import_logs
from storage.store import open_store

N_EVENTS = 1_000_000
N_XES = 100_000


def main() -> None:
    started = time.perf_counter()
    events = simulate(users=20, days=50, seed=1, screenshots=False).events.head(N_EVENTS)
    print(f"simulated {events.height:,} events in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files: list[tuple[str, Path, Callable[[Path], None]]] = [
            ("parquet", folder / "events.parquet", lambda p: write_parquet(p, events)),
            ("csv", folder / "events.csv", lambda p: write_csv(p, events)),
            (
                "xes",
                folder / "events.xes",
                lambda p: write_xes(p, events.head(N_XES), case="session_id"),
            ),
        ]
        for fmt, path, write in files:
            started = time.perf_counter()
            write(path)
            written = time.perf_counter() - started
            n, seconds, again = _time_import(path, folder / f"{fmt}.duckdb")
            size = path.stat().st_size / 1e6
            print(
                f"{fmt:8s} {n:>9,} events  file {size:7.1f} MB (written in {written:5.1f} s)  "
                f"import {seconds:6.1f} s = {n / seconds:>9,.0f} events/s  "
                f"re-import (skipped) {again:4.1f} s"
            )
    rss = psutil.Process().memory_info().rss / 1e9
    print(f"peak-ish resident memory at the end: {rss:.1f} GB")


def _time_import(path: Path, db: Path) -> tuple[int, float, float]:
    with open_store(db) as store:
        started = time.perf_counter()
        [result] = import_logs(store, [path])
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        import_logs(store, [path])
        again = time.perf_counter() - started
    return result.n_events, seconds, again
