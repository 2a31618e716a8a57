"""The in-process engine: stages run one part after another in this process, and the
frames they keep wait in Arrow IPC files of a temporary folder, so that only one user's
frames are in memory at a time."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from itertools import count
from pathlib import Path
from typing import Any

import polars as pl

from mining.engines import resolve


class Stored:
    """A kept frame's handle: the IPC file it waits in."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> pl.DataFrame:
        return pl.read_ipc(self.path)


class LocalEngine:
    """Runs every call in this process, in order."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="taskmine-mine-")
        self._names = count()

    def map(
        self,
        fn: Callable[..., tuple],
        inputs: Sequence[tuple],
        shared: dict[str, Any] | None = None,
        keep: int = 0,
        lazy: bool = False,
    ) -> tuple[list[Any], list[list[Any]]]:
        summaries, kept = [], []
        for args in inputs:
            read = [a if lazy and isinstance(a, Stored) else _read(a) for a in args]
            summary, *frames = fn(*read, **(shared or {}))
            summaries.append(summary)
            kept.append([None if f is None else self._store(f) for f in frames[:keep]])
        return summaries, kept

    def fetch(self, handles: Sequence[Stored | None]) -> Iterator[pl.DataFrame | None]:
        """Each kept frame read in turn, its file removed once read."""
        for handle in handles:
            if handle is None:
                yield None
                continue
            frame = handle.read()
            handle.path.unlink()
            yield frame

    def _store(self, frame: pl.DataFrame) -> Stored:
        path = Path(self._folder.name, f"{next(self._names)}.arrow")
        frame.write_ipc(path)
        return Stored(path)

    def machines(self) -> int:
        return 1

    def close(self) -> None:
        self._folder.cleanup()

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read(value: Any) -> Any:
    return value.read() if isinstance(value, Stored) else resolve(value)
