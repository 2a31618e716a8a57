"""The one thread that owns the database: batches events into transactions.

A batch is written at most every ``flush_interval_s`` or every ``batch_size`` events,
whichever comes first, so a crash loses at most one batch window. When the database
cannot be written (another process holds its lock, the disk is full), batches go to the
spool and the writer retries every ``retry_s``; once the database is back, the spool is
drained first so events land in order. Nothing is dropped silently: what cannot even be
spooled is counted into the session's ``dropped_events``.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from recorder import control
from recorder.capture import Shot
from recorder.config import RecorderConfig
from recorder.destination import is_collector_url
from recorder.ship import close_stale_sessions, ship_sessions
from recorder.spool import Batch, Spool
from storage.errors import TaskmineError
from storage.store import Store, open_store, utcnow

log = logging.getLogger("taskmine.recorder")

DUCKDB_MEMORY_LIMIT = "64MB"
#: Screenshot keys remembered for events that point at an earlier batch's screenshot.
KEYS_KEPT = 1000


class Writer(threading.Thread):
    """Consumes ``("event", row, shot_key)``, ``("shot", Shot)``, ``("session", row)``."""

    def __init__(
        self,
        db_path: Path,
        config: RecorderConfig,
        state_dir: Path,
        status: Callable[[], dict[str, Any]],
        dropped: Callable[[], int],
    ) -> None:
        super().__init__(name="taskmine-writer", daemon=True)
        self.db_path = db_path
        self.config = config
        self.state_dir = state_dir
        self.status = status
        self.dropped = dropped
        spool_dir = Path(config.spool_dir).expanduser() if config.spool_dir else db_path.parent
        self.spool = Spool(spool_dir / f"{db_path.name}.spool.jsonl")
        self.queue: queue.Queue[tuple | None] = queue.Queue(maxsize=20000)
        self.store: Store | None = None
        self.counts = {"events_written": 0, "screenshots_written": 0, "lost": 0}
        self.last_error: str | None = None
        self._batch = Batch()
        self._session: dict[str, Any] | None = None
        self._dropped_base = 0
        self._session_dirty = False
        self._shot_ids: dict[str, int] = {}
        self._next_retry = 0.0
        self._next_ship = time.monotonic() + config.ship_every_minutes * 60
        self._ship_requests: queue.SimpleQueue[tuple[Path, Future]] = queue.SimpleQueue()

    def put(self, message: tuple) -> None:
        self.queue.put(message)

    def backlogged(self) -> bool:
        """Half the queue waiting: the database is slow; the capture worker sheds shots."""
        return self.queue.qsize() >= self.queue.maxsize // 2

    def request_ship(self, to: Path) -> Future[dict[str, Any]]:
        """Write closed sessions to ``to`` at the next flush (for another thread: this
        one holds the database); the future gets ``{"files": …}`` or ``{"error": …}``."""
        done: Future[dict[str, Any]] = Future()
        self._ship_requests.put((to, done))
        return done

    def stop(self) -> None:
        self.queue.put(None)
        self.join()
        while not self._ship_requests.empty():  # asked for after the last flush
            self._ship_requests.get()[1].set_result({"error": "the recorder stopped"})

    def run(self) -> None:
        self._open()
        next_flush = time.monotonic() + self.config.flush_interval_s
        while True:
            try:
                message = self.queue.get(timeout=max(0.0, next_flush - time.monotonic()))
            except queue.Empty:
                message = ()
            if message is None:
                break
            if message:
                self._add(message)
            if len(self._batch.events) >= self.config.batch_size or time.monotonic() >= next_flush:
                self._flush()
                self._serve_requests()
                next_flush = time.monotonic() + self.config.flush_interval_s
        self._end_session()
        self._flush(final=True)
        self._write_status("stopped")
        if self.store is not None:
            self.store.close()

    # -- batching ------------------------------------------------------------------

    def _add(self, message: tuple) -> None:
        kind = message[0]
        if kind == "event":
            self._batch.events.append((message[1], message[2]))
        elif kind == "shot":
            self._batch.shots.append(message[1])
        elif kind == "session":
            self._end_session()
            self._session = dict(message[1])
            self._dropped_base = self.dropped()
            self._session_dirty = True

    def _end_session(self) -> None:
        if self._session is not None:
            self._session["ended_at"] = utcnow()
            self._session_dirty = True
            self._stage_session()
            self._session = None

    def _stage_session(self) -> None:
        session = self._session
        if session is None:
            return
        dropped = self.dropped() - self._dropped_base + self.counts["lost"]
        if self._session_dirty or dropped != session["dropped_events"]:
            session["dropped_events"] = dropped
            self._batch.sessions.append(dict(session))
            self._session_dirty = False

    def _flush(self, final: bool = False) -> None:
        """Write the batch (after any spool backlog); spool it if the database is away.
        The ``final`` flush tries the database once more whatever the retry timer says."""
        self._stage_session()
        batch, self._batch = self._batch, Batch()
        backlog = self.spool.exists()
        if batch or backlog:
            if self.store is None and (final or time.monotonic() >= self._next_retry):
                self._open()
            if not self._try_write(batch) and batch:
                self._spool(batch)
        self._write_status()

    def _try_write(self, batch: Batch) -> bool:
        if self.store is None:
            return False
        try:
            if self.spool.exists():
                self._drain()
            self._write(batch)
        except (TaskmineError, OSError) as exc:
            self._failed(exc)
            return False
        if self.last_error:  # not when it opened: a full disk opens and then fails to write
            log.info("database %s is writable again", self.db_path)
            self.last_error = None
        return True

    def _write(self, batch: Batch) -> None:
        """The batch in one transaction: its events never point at screenshots that a
        crash kept out, and one commit a second costs less than three."""
        assert self.store is not None
        written: dict[str, int] = {}
        with self.store.transaction():
            if batch.sessions:
                self.store.append_rows("sessions", batch.sessions)
            if batch.shots:
                written = self._write_shots(batch.shots)
            if batch.events:
                ids = {**self._shot_ids, **written}
                rows = [
                    {**row, "screenshot_id": ids.get(key) if key else None}
                    for row, key in batch.events
                ]
                self.store.append_rows("events", rows)
        # known only once committed: a rolled-back batch's ids are handed out again
        self._shot_ids.update(written)
        while len(self._shot_ids) > KEYS_KEPT:
            del self._shot_ids[next(iter(self._shot_ids))]
        self.counts["events_written"] += len(batch.events)
        self.counts["screenshots_written"] += len(written)

    def _write_shots(self, shots: list[Shot]) -> dict[str, int]:
        """Insert the shots, a changed rectangle pointing at its base's id (the base is
        often in the same batch: the ids are numbered here, in one INSERT). One whose base
        never reached the database (lost with a batch nothing could store) is left out, as
        are the changes on top of it until the next full frame: pasted onto nothing they
        would show a wrong screen. Returns the key → id of each shot written."""
        assert self.store is not None
        rows = []
        written: dict[str, int] = {}
        next_id = self.store.next_id("screenshots")
        for shot in shots:
            base_key = shot.base_key
            base_id = written.get(base_key, self._shot_ids.get(base_key)) if base_key else None
            if base_key and base_id is None:
                continue
            written[shot.key] = next_id + len(rows)
            rows.append({**shot.as_row(base_id), "screenshot_id": next_id + len(rows)})
        self.store.append_rows("screenshots", rows)
        return written

    # -- the database being away ---------------------------------------------------

    def _open(self) -> None:
        try:
            self.store = open_store(self.db_path)
            # Batches are tiny: one DuckDB thread and a small buffer pool keep memory down.
            self.store.con.execute(
                f"SET threads TO 1; SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'"
            ).fetchall()
            close_stale_sessions(self.store, self._session["session_id"] if self._session else "")
        except (TaskmineError, OSError) as exc:
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        if self.last_error is None:
            log.warning("cannot write %s (%s); spooling to %s", self.db_path, exc, self.spool.path)
        self.last_error = str(exc)
        if self.store is not None:
            with contextlib.suppress(Exception):  # the connection may already be broken
                self.store.close()
            self.store = None
        self._next_retry = time.monotonic() + self.config.retry_s

    def _spool(self, batch: Batch) -> None:
        try:
            self.spool.append(batch)
        except OSError as exc:
            self.counts["lost"] += len(batch.events)
            self.last_error = f"spool {self.spool.path} failed too: {exc}"
            log.error("%s; %d events lost (counted as dropped)", self.last_error, len(batch.events))

    def _drain(self) -> None:
        batch = self.spool.read()
        self._write(batch)
        self.spool.clear()
        log.info("drained %d spooled events into %s", len(batch.events), self.db_path)

    # -- status and requests -------------------------------------------------------

    def _write_status(self, state: str | None = None) -> None:
        status = self.status()
        if state is None:
            state = "spooling" if self.store is None else status.pop("state", "recording")
        status.update(
            self.counts,
            state=state,
            db=str(self.db_path),
            spool=str(self.spool.path),
            spooled_events=self.spool.pending_events,
            last_error=self.last_error,
            updated_at=utcnow().isoformat(),
        )
        try:
            control.write_status(self.state_dir, status)
        except OSError as exc:
            log.warning("cannot write status: %s", exc)

    def _serve_requests(self) -> None:
        for result_path, request in control.take_requests(self.state_dir):
            if request.get("action") == "ship":
                control.write_result(result_path, self._ship(Path(request["to"])))
        while not self._ship_requests.empty():
            to, done = self._ship_requests.get()
            done.set_result(self._ship(to))
        folder = self.config.ship_to and not is_collector_url(self.config.ship_to)
        if folder and time.monotonic() >= self._next_ship:  # a collector: `recorder.uploader`
            self._ship(Path(self.config.ship_to).expanduser())
            self._next_ship = time.monotonic() + self.config.ship_every_minutes * 60

    def _ship(self, to: Path) -> dict[str, Any]:
        if self.store is None:
            return {"error": f"database {self.db_path} is not writable now: {self.last_error}"}
        try:
            files = ship_sessions(self.store, to)
        except TaskmineError as exc:
            log.warning("shipping to %s failed: %s", to, exc)
            return {"error": str(exc)}
        return {"files": [str(f) for f in files]}
