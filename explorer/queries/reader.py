"""The explorer's one read-only DuckDB connection, and a cache of reads per file state.

Reads share one read-only connection that closes after `IDLE_CLOSE_S` without use, so a
page load's burst of callbacks pays for one open while the file is free again for
`taskmine mine` or `import` moments later. A write (an analyst decision) closes the
reader and holds it closed for that one transaction: DuckDB refuses a read-only and a
read-write connection to one file within a process. One lock serialises it all.
"""

from __future__ import annotations

import atexit
import functools
import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from explorer.errors import ExplorerError
from storage.store import Store, open_store

T = TypeVar("T")

#: The shared reader closes after this many idle seconds, releasing the file.
IDLE_CLOSE_S = 2.0


class _Reader:
    """The process's one read-only connection, opened on demand, closed when idle."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.store: Store | None = None
        self.timer: threading.Timer | None = None

    @contextmanager
    def use(self, db: Path) -> Iterator[Store]:
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
            if self.store is not None and self.store.path != Path(db):
                self.close()
            if self.store is None:
                self.store = open_store(db, read_only=True)
            try:
                yield self.store
            finally:
                self.timer = threading.Timer(IDLE_CLOSE_S, self.close)
                self.timer.daemon = True
                self.timer.start()

    def close(self) -> None:
        with self.lock:
            if self.store is not None:
                self.store.close()
                self.store = None


_READER = _Reader()
atexit.register(_READER.close)  # an open DuckDB handle at exit makes nanobind complain
_CACHES: list = []


@contextmanager
def reading(db: Path) -> Iterator[Store]:
    """The shared read-only connection; raises the storage error a notice page explains."""
    with _READER.use(db) as store:
        yield store


@contextmanager
def reader_closed() -> Iterator[None]:
    """Close the shared reader and keep it closed while the caller writes to the file."""
    with _READER.lock:
        _READER.close()
        yield


def _stamp(db: Path) -> tuple:
    """What identifies a state of the database file: size and time of it and its WAL."""
    stamp = []
    for path in (db, db.with_name(db.name + ".wal")):
        try:
            stat = path.stat()
            stamp.append((stat.st_mtime_ns, stat.st_size))
        except FileNotFoundError:
            stamp.append(None)
    return tuple(stamp)


def cached_by_file(fn: Callable[..., T]) -> Callable[..., T]:
    """Cache a read until the database file changes (a write, a new run, a decision).

    Aggregates over every event cost the most and change the least: computed once per
    state of the file, a page re-renders and its callbacks re-run from memory.
    """

    signature = inspect.signature(fn)

    @functools.lru_cache(maxsize=32)
    def cached(stamp: tuple, *args: object) -> T:
        return fn(*args)

    @functools.wraps(fn)
    def wrapper(*args: object, **kwargs: object) -> T:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        db = Path(bound.arguments["db"])
        return cached(_stamp(db), db, *list(bound.arguments.values())[1:])

    _CACHES.append(cached)
    return wrapper


def cached_by_run(fn: Callable[[Path, int], T]) -> Callable[[Path, int | None], T]:
    """Cache a read of one finished mining run's results for as long as the run exists.

    A finished run's instances, their events and its candidates never change, while the
    file does with every analyst decision: keyed by the run (its id and start and end
    times) rather than by the file's state, the costliest read survives decisions.
    """

    @functools.lru_cache(maxsize=4)
    def cached(db: Path, run_id: int, started: object, finished: object) -> T:
        return fn(db, run_id)

    @functools.wraps(fn)
    def wrapper(db: Path, run_id: int | None = None) -> T:
        with reading(db) as store:
            run_id = run_of(store, run_id)
            started, finished = store.query(
                "SELECT started_at, finished_at FROM mining_runs WHERE run_id = ?", [run_id]
            ).row(0)
        return cached(Path(db).resolve(), run_id, started, finished)

    _CACHES.append(cached)
    return wrapper


def clear_caches() -> None:
    """Forget cached reads and close the shared reader (benchmarks measure cold calls)."""
    for cache in _CACHES:
        cache.cache_clear()
    _READER.close()


def run_of(store: Store, run_id: int | None) -> int:
    """The run asked for, or the latest finished one."""
    if run_id is None:
        return store.latest_run_id()
    status = store.query("SELECT status FROM mining_runs WHERE run_id = ?", [run_id])
    if status.is_empty() or status.item() != "done":
        raise ExplorerError(
            f"mining run {run_id} does not exist or did not finish",
            "leave out --run to use the latest finished run",
        )
    return run_id
