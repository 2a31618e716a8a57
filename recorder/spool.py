"""A JSON-lines spool for batches the database could not take (locked, disk full).

Each line is one record: ``{"session": row}``, ``{"shot": row}`` (image in base64) or
``{"event": row, "shot_key": key}``. Appends are flushed and fsynced, so a spooled batch
survives a crash as well as the database would have kept it.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from recorder.capture import Shot


@dataclass
class Batch:
    """What one write transaction stores: session rows, screenshots, then events."""

    sessions: list[dict[str, Any]] = field(default_factory=list)
    shots: list[Shot] = field(default_factory=list)
    events: list[tuple[dict[str, Any], str | None]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.sessions or self.shots or self.events)


class Spool:
    """The spool file and how many events wait in it (counted once, then kept up to date)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pending_events = self._count_events()

    def exists(self) -> bool:
        return self.path.exists() and self.path.stat().st_size > 0

    def append(self, batch: Batch) -> None:
        lines = [json.dumps({"session": _plain(row)}) for row in batch.sessions]
        lines += [json.dumps({"shot": _shot_record(shot)}) for shot in batch.shots]
        lines += [json.dumps({"event": _plain(row), "shot_key": key}) for row, key in batch.events]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
            out.flush()
            os.fsync(out.fileno())
        self.pending_events += len(batch.events)

    def read(self) -> Batch:
        """Everything spooled; a torn last line (crash mid-append) is skipped."""
        batch = Batch()
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if "session" in record:
                    batch.sessions.append(_typed(record["session"]))
                elif "shot" in record:
                    batch.shots.append(_shot_from(record["shot"]))
                else:
                    batch.events.append((_typed(record["event"]), record["shot_key"]))
        return batch

    def _count_events(self) -> int:
        if not self.path.exists():
            return 0
        with self.path.open(encoding="utf-8") as lines:
            return sum(1 for line in lines if line.startswith('{"event"'))

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
        self.pending_events = 0


_TIME_FIELDS = ("ts", "started_at", "ended_at")


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: datetime.fromisoformat(v) if k in _TIME_FIELDS and v is not None else v
        for k, v in row.items()
    }


def _shot_record(shot: Shot) -> dict[str, Any]:
    record = _plain(shot.__dict__)
    record["image"] = base64.b64encode(shot.image).decode("ascii")
    return record


def _shot_from(record: dict[str, Any]) -> Shot:
    record = _typed(record)
    record["image"] = base64.b64decode(record["image"])
    return Shot(**record)
