"""The recording loop: raw inputs → actions → privacy → screenshots → writer.

No OS code here: the window backend and the input listeners are passed in or built by
`get_backend`/`InputListeners`. Threads: pynput's two listener threads (enqueue only),
this loop (the caller's thread: window lookups, merging, privacy), the capture worker
and the writer. Stopping flushes every stage in order, so a SIGTERM loses nothing.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
import platform
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recorder import control
from recorder.backends import WindowBackend, get_backend
from recorder.capture import CaptureWorker
from recorder.config import RecorderConfig, state_dir
from recorder.destination import is_collector_url
from recorder.errors import RecorderError
from recorder.listeners import InputListeners
from recorder.privacy import PrivacyPolicy, pseudonymize
from recorder.reduce import Action, Reducer
from recorder.tray import start_tray
from recorder.writer import Writer
from storage.store import utcnow

if TYPE_CHECKING:
    from recorder.uploader import Uploader

log = logging.getLogger("taskmine.recorder")

#: Actions that get a screenshot; typing does not (the screen would show the typed text).
SHOT_KINDS = {"click", "double_click", "right_click", "focus", "hotkey", "copy", "paste", "cut"}
POLL_S = 1.0
RECENT_SAMPLES = 2000


class Recorder:
    """One recorder run. ``Recorder(db, config).run(stop_event)`` blocks until stopped."""

    def __init__(
        self,
        db_path: Path,
        config: RecorderConfig,
        backend: WindowBackend | None = None,
        inputs: Callable[[queue.Queue], InputListeners] = InputListeners,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.config = config
        self.env = dict(env or {})  # where the collector's token may come from
        self.state_dir = state_dir(config)
        self._backend = backend
        self._inputs = inputs
        self.privacy = PrivacyPolicy(config)
        self.errors = 0
        self.started_at = utcnow()
        self._clipboard: int | None = None

    def run(self, stop: threading.Event) -> None:
        if not self.db_path.parent.is_dir():  # a mistake, not a transient failure: no spooling
            raise RecorderError(
                f"folder {self.db_path.parent} for the database does not exist",
                "create it or point --db elsewhere",
            )
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.backend = self._backend or get_backend(self.config.backend)
        self.user_id = self._user_id()
        self.raw: queue.Queue[tuple] = queue.Queue(maxsize=self.config.queue_size)
        self.listeners = self._inputs(self.raw)
        interval = self.config.double_click_s or self.backend.double_click_interval()
        self.reducer = Reducer(interval, self.config.type_gap_s, self.config.idle_after_s)
        self.writer = Writer(self.db_path, self.config, self.state_dir, self._status, self._dropped)
        self.capture = CaptureWorker(
            self.config, self.writer.put, uuid.uuid4().hex[:12], self.writer.backlogged
        )
        self.uploader = self._uploader()
        self.writer.start()
        self.capture.start()
        if self.uploader:
            self.uploader.start()
        self._new_session()
        self.listeners.start()
        self._set_paused(control.is_paused(self.state_dir), "cli")
        stop_tray = start_tray(self.state_dir) if self.config.tray_icon else None
        try:
            self._loop(stop)
        finally:
            if stop_tray:
                stop_tray()
            self._shutdown()

    # -- the loop ------------------------------------------------------------------

    def _loop(self, stop: threading.Event) -> None:
        next_poll = 0.0
        while not stop.is_set():
            now = time.time()
            deadline = self.reducer.deadline()
            timeout = min(next_poll, deadline if deadline is not None else next_poll) - now
            with contextlib.suppress(queue.Empty):
                self._handle(self.raw.get(timeout=max(0.0, min(timeout, POLL_S))))
            now = time.time()
            if now >= next_poll:
                self._poll(now)
                next_poll = now + POLL_S
            self._emit(self.reducer.due(now))

    def _handle(self, raw: tuple) -> None:
        if self.reducer.paused and raw[0] not in ("press", "release"):
            return
        try:
            if self.reducer.needs_window(raw):
                self._emit(self.reducer.observe(self.backend.active_window(), raw[1]))
            element = self.backend.element_at(raw[2], raw[3]) if raw[0] == "click" else None
            self._emit(self.reducer.feed(raw, element))
        except Exception:  # a transient backend failure must not stop recording
            self.errors += 1
            log.exception("skipped an input the recorder could not handle")

    def _poll(self, now: float) -> None:
        """Once a second: focus changes without input, copies without a hotkey, the pause
        flag, session rotation."""
        self._set_paused(control.is_paused(self.state_dir), "cli")
        if not self.reducer.paused:
            self._emit(self.reducer.observe(self.backend.active_window(), now))
        clipboard = self.backend.clipboard_sequence()
        if clipboard != self._clipboard and self._clipboard is not None:
            self._emit(self.reducer.clipboard_changed(now))
        self._clipboard = clipboard
        if now - self.session_started >= self.config.session_minutes * 60:
            self._emit(self.reducer.flush())
            self._new_session()

    def _emit(self, actions: list[Action]) -> None:
        for action in actions:
            if action.kind == "hotkey" and action.text == self.config.pause_hotkey:
                self._set_paused(not self.reducer.paused, "hotkey")
                continue
            if self.reducer.paused:
                continue
            result = self.privacy.to_event(action, self.session_id, self.user_id)
            if result is None:
                continue
            event, may_shoot = result
            want_shot = may_shoot and self.config.screenshots and action.kind in SHOT_KINDS
            self.capture.submit(event, want_shot, action.window)

    def _set_paused(self, paused: bool, by: str) -> None:
        if paused == self.reducer.paused:
            return
        if paused:
            self._emit(self.reducer.flush())
            self._emit([Action("paused", time.time(), None, attrs={"by": by})])
            self.reducer.paused = True
            log.info("recording paused (%s)", by)
        else:
            self.reducer.paused = False
            self.reducer.observe(None, time.time())  # the next input re-announces its window
            log.info("recording resumed (%s)", by)
        control.set_paused(self.state_dir, paused)

    def _uploader(self) -> Uploader | None:
        """The thread shipping to a collector on the schedule (a folder: the writer)."""
        if not is_collector_url(self.config.ship_to):
            return None
        from recorder.uploader import Uploader  # an HTTP client only where it ships to one

        return Uploader(self.config, self.state_dir, self.writer.request_ship, self.env)

    def _shutdown(self) -> None:
        if self.uploader:
            self.uploader.stop()
        self.listeners.stop()
        while True:
            try:
                self._handle(self.raw.get_nowait())
            except queue.Empty:
                break
        self._emit(self.reducer.flush())
        self.capture.stop()
        self.writer.stop()
        self.backend.close()

    # -- sessions and status -------------------------------------------------------

    def _new_session(self) -> None:
        self.session_id = uuid.uuid4().hex
        self.session_started = time.time()
        width, height = self.backend.screen_size()
        host = socket.gethostname()
        row = {
            "session_id": self.session_id,
            "user_id": self.user_id,
            "host": pseudonymize(host, self._salt()) if self.config.pseudonymize_user else host,
            "os": platform.platform(),
            "screen_width": width,
            "screen_height": height,
            "recorder_version": _version(),
            "started_at": utcnow(),
            "ended_at": None,
            "dropped_events": 0,
        }
        self.capture.forward(("session", row))

    def _dropped(self) -> int:
        """Inputs lost so far: a full input queue, or a full capture queue."""
        return self.listeners.dropped + self.capture.events_dropped

    def _user_id(self) -> str:
        name = getpass.getuser()
        return pseudonymize(name, self._salt()) if self.config.pseudonymize_user else name

    def _salt(self) -> str:
        return self.config.user_salt or control.user_salt(self.state_dir)

    def _status(self) -> dict[str, Any]:
        """Called by the writer after each flush (its thread): cheap reads only."""
        # While running, recent samples (cheap, once a second); the final status: all.
        samples = sorted(
            self.listeners.latencies_ms(RECENT_SAMPLES if self.capture.is_alive() else None)
        )
        return {
            "state": "paused" if self.reducer.paused else "recording",
            "pid": os.getpid(),
            "session_id": self.session_id,
            "user_id": self.user_id,
            "started_at": self.started_at.isoformat(),
            "dropped_events": self._dropped(),
            "screenshots_dropped": self.capture.screenshots_dropped,
            "errors": self.errors + self.capture.errors,
            "screenshot_cpu_s": round(self.capture.cpu_s, 3),
            # Which OS thread is which, to read their CPU times (/proc/PID/task/TID/stat).
            "threads": {str(t.native_id): t.name for t in threading.enumerate()},
            "enqueue_samples": len(samples),
            "enqueue_p50_ms": _percentile(samples, 0.50),
            "enqueue_p99_ms": _percentile(samples, 0.99),
            "enqueue_max_ms": samples[-1] if samples else None,
            **self._ship_status(),
        }

    def _ship_status(self) -> dict[str, Any]:
        if not self.uploader:
            return {}
        return {
            "ship_to": self.config.ship_to,
            "ship_acknowledged": self.uploader.acknowledged,
            "ship_failures": self.uploader.failures,
            "ship_error": self.uploader.last_error,
        }


def _percentile(ordered: list[float], q: float) -> float | None:
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 4)


def _version() -> str:
    try:
        return version("taskmine")
    except PackageNotFoundError:  # a source tree that is not installed
        return "0.0.0"
