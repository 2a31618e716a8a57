"""The running recorder ships to a collector on its schedule, in a thread of its own.

Every ``ship_every_minutes`` the thread takes the outbox lock (`recorder.outbox`), asks
the writer, which owns the database, to write the closed sessions into the outbox, and
uploads the outbox (`recorder.upload`). The upload runs here, never in the writer or on
the capture path, so a slow or absent collector never delays recording. After a failure
the next try comes ``ship_retry_s`` later, the wait doubling with each failure up to the
schedule's interval; files stay in the outbox until the collector acknowledges them.
The token is read at each round (a renewed token file needs no restart).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from recorder.config import RecorderConfig
from recorder.destination import device_token
from recorder.errors import OutboxBusyError
from recorder.outbox import outbox_dir, outbox_lock
from recorder.upload import Collector, upload_outbox

log = logging.getLogger("taskmine.recorder")

#: Longest wait for the writer to write the outbox (it serves requests every flush).
EXPORT_TIMEOUT_S = 300.0
#: Longest wait at shutdown for a round in progress; an upload cut short resumes later.
STOP_WAIT_S = 2.0

ExportFn = Callable[[Path], "Future[dict[str, Any]]"]


class Uploader(threading.Thread):
    """Ships ``config.ship_to`` (a collector address) every ``ship_every_minutes``."""

    def __init__(
        self,
        config: RecorderConfig,
        state_dir: Path,
        export: ExportFn,
        env: Mapping[str, str],
    ) -> None:
        super().__init__(name="taskmine-uploader", daemon=True)
        self.config = config
        self.outbox = outbox_dir(state_dir, config.ship_to)
        self.interval_s = config.ship_every_minutes * 60
        self.export = export
        self.env = dict(env)
        self.failures = 0
        self.last_error: str | None = None
        self.acknowledged = 0
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()
        self.join(STOP_WAIT_S)

    def run(self) -> None:
        delay = self.interval_s
        while not self._stop.wait(delay):
            delay = self.ship_once()

    def ship_once(self) -> float:
        """One round; returns the seconds to wait before the next."""
        try:
            collector = Collector(
                self.config.ship_to,
                device_token(self.env, self.config.ship_token_file),
                self.config.ship_cacert or None,
            )
            with outbox_lock(self.outbox):
                self._write_outbox()
                done = upload_outbox(self.outbox, collector)
        except OutboxBusyError as exc:  # a manual `ship` is uploading the same files
            log.info("%s", exc)
            return self.config.ship_retry_s
        except Exception as exc:  # noqa: BLE001 - whatever fails, recording goes on
            return self._failed(exc)
        self.failures, self.last_error = 0, None
        self.acknowledged += len(done)
        if done:
            log.info("shipped %d session file(s) to %s", len(done), self.config.ship_to)
        return self.interval_s

    def _write_outbox(self) -> None:
        """Closed sessions into the outbox, by the writer; on failure (the database is
        away) what the outbox already holds is still uploaded."""
        try:
            result = self.export(self.outbox).result(timeout=EXPORT_TIMEOUT_S)
        except FutureTimeout:
            result = {"error": "the writer did not answer"}
        if "error" in result:
            log.warning("could not write closed sessions to the outbox: %s", result["error"])

    def _failed(self, exc: Exception) -> float:
        self.failures += 1
        self.last_error = str(exc) or type(exc).__name__
        delay = min(self.interval_s, self.config.ship_retry_s * 2 ** (self.failures - 1))
        log.warning(
            "shipping to the collector failed (%s); next try in %.0f s", self.last_error, delay
        )
        return delay
