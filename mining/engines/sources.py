"""Where one user's events come from: a frame in memory, a DuckDB store, or the
landing area a collector writes (``DIR/events/user=<id>/day=YYYY-MM-DD/*.parquet``).

A source is read where its stage runs: in the driver's process by the local engine, on
a Ray worker by the Ray engine (so a landing-area source holds file paths only). Each
yields the user's events in the order mining expects (time, then event id), with the
columns mining reads and never the ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

import polars as pl

from mining.errors import LandingAreaError
from storage.models import EVENT_SCHEMA, strip_control_characters

if TYPE_CHECKING:
    from storage.store import Store

#: Columns mining reads: everything but the ground truth.
MINING_COLUMNS = [c for c in EVENT_SCHEMA if not c.startswith("truth_")]


class Source:
    """One user's events, read on demand."""

    user_id: str

    def read(self) -> pl.DataFrame:
        raise NotImplementedError


@dataclass(frozen=True)
class FrameSource(Source):
    """A user's rows of a frame already in memory (`mining.pipeline.mine_events`)."""

    user_id: str
    events: pl.DataFrame

    def read(self) -> pl.DataFrame:
        return self.events


@dataclass(frozen=True)
class StoreSource(Source):
    """A user's events in an open store (the local engine only: it is not picklable)."""

    user_id: str
    store: Store

    def read(self) -> pl.DataFrame:
        return self.store.read_events(MINING_COLUMNS, user_ids=[self.user_id])


@dataclass(frozen=True)
class LandingSource(Source):
    """A user's Parquet files in a landing area (paths only, so it travels to workers)."""

    user_id: str
    files: tuple[str, ...]

    def read(self) -> pl.DataFrame:
        frames = [_read_landed(Path(f)) for f in self.files]
        events = pl.concat(frames) if frames else pl.DataFrame(schema=EVENT_SCHEMA)
        strangers = events.filter(pl.col("user_id") != self.user_id)
        if strangers.height:
            raise LandingAreaError(
                f"{strangers.height:,} events of another user in the folder of user "
                f"{self.user_id!r}",
                "the landing area is written by `taskmine collect`; move those files out",
            )
        return events.select(MINING_COLUMNS).sort("ts", "event_id")


def frame_sources(events: pl.DataFrame) -> list[Source]:
    """One source per user of an events frame ordered by user, time and event id."""
    parts = events.partition_by("user_id", as_dict=True, maintain_order=True)
    return [FrameSource(str(user), frame) for (user,), frame in sorted(parts.items())]


def store_sources(store: Store) -> list[Source]:
    """One source per user of a store's events, in user order."""
    users = store.query("SELECT DISTINCT user_id FROM events ORDER BY user_id")["user_id"]
    return [StoreSource(u, store) for u in users.to_list()]


def export_store(store: Store, root: str | Path) -> list[Source]:
    """Write a store's events as a landing area under ``root``, one user at a time, and
    return its sources: how a Ray cluster's workers read a database only the driver can
    open (DuckDB lets one process write a file)."""
    from storage.landing import write_landing

    for source in store_sources(store):
        write_landing(source.read(), root)
    return landing_sources(root)


def landing_sources(root: str | Path) -> list[Source]:
    """One source per user folder of the landing area under ``root``, in user order.

    Only the layout's own names are followed (``user=…`` folders, ``day=…`` folders,
    ``*.parquet`` files, no symbolic links out of the area); user ids are
    percent-decoded from the folder names and checked against the data when read.
    """
    area = Path(root, "events")
    if not area.is_dir():
        raise LandingAreaError(
            f"no landing area at {area}", "point --data at the folder `taskmine collect` writes"
        )
    top = area.resolve()
    sources = []
    for folder in sorted(area.glob("user=*")):
        if not folder.is_dir() or folder.resolve().parent != top:
            continue
        files = sorted(
            str(f)
            for f in folder.glob("day=*/*.parquet")
            if f.is_file() and f.resolve().parent.parent == folder.resolve()
        )
        if files:
            sources.append(LandingSource(unquote(folder.name.removeprefix("user=")), tuple(files)))
    if not sources:
        raise LandingAreaError(f"no events in {area}", "nothing has been collected yet")
    ordered = pl.Series([s.user_id for s in sources]).arg_sort().to_list()
    return [sources[i] for i in ordered]


def _read_landed(path: Path) -> pl.DataFrame:
    """One landed file in the interchange schema (missing optional columns are null)."""
    try:
        frame = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise LandingAreaError(
            f"cannot read {path}: {str(exc).splitlines()[0]}",
            "move the file out of the landing area (the collector keeps only whole batches)",
        ) from exc
    missing = [c for c in ("event_id", "user_id", "ts", "kind") if c not in frame.columns]
    if missing:
        raise LandingAreaError(f"{path} has no column {', '.join(missing)}")
    try:
        frame = frame.select(
            pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
            for c, t in EVENT_SCHEMA.items()
        )
    except pl.exceptions.PolarsError as exc:
        raise LandingAreaError(
            f"{path} is not in the interchange schema: {str(exc).splitlines()[0]}"
        ) from exc
    if frame["event_id"].null_count() or frame["user_id"].null_count():
        raise LandingAreaError(f"{path} has events without an event_id or user_id")
    # as an import into the store does: no control characters reach mining's outputs
    text = [c for c, t in EVENT_SCHEMA.items() if t == pl.String and c != "attrs"]
    return frame.with_columns(strip_control_characters(pl.col(c)) for c in text)
