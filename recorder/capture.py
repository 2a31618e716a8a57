"""Screenshots on actions, taken by one worker thread (never in an input callback).

The worker is a pipeline stage: every event passes through it in order, and those that
may have a screenshot get one, or the previous one's key when the screen has not visibly
changed. Images are downscaled and WebP-compressed here, so the writer only stores bytes.
WebP encoding is nearly all of the recorder's CPU time, so the comparison comes first.
"""

from __future__ import annotations

import io
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

# Importing the WebP plugin registers it; otherwise the first save imports every Pillow
# plugin (Image.init): about 0.1 s of CPU and a few MB that are never used.
from PIL import Image, ImageChops, WebPImagePlugin  # noqa: F401

from recorder.backends.base import WindowInfo
from recorder.config import RecorderConfig
from storage.models import Event

log = logging.getLogger("taskmine.recorder")

#: Screen pixels per side of a cell of the change fingerprint (their mean grey).
CELL_PX = 8
#: A cell has changed when its mean grey moved by more than this (of 255): a character
#: typed into it moves it by tens, dithering and colour rounding by a few.
CELL_CHANGE = 8
_CHANGED = [0] * (CELL_CHANGE + 1) + [255] * (255 - CELL_CHANGE)
#: An event older than this when its turn comes gets no screenshot: the screen moved on.
STALE_S = 3.0
EVENT_FIELDS = tuple(f.name for f in fields(Event))


@dataclass(frozen=True)
class Shot:
    """One compressed screenshot, keyed until the writer gives it a database id."""

    key: str
    session_id: str
    ts: datetime
    width: int
    height: int
    phash: int
    image: bytes
    format: str = "webp"

    def as_row(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "ts": self.ts,
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "size_bytes": len(self.image),
            "phash": self.phash,
            "image": self.image,
        }


def event_row(event: Event) -> dict[str, Any]:
    """The event's fields that have a value. Cheaper than `Event.as_row` (asdict copies
    every value deeply), and each column left out is one parameter less in the INSERT."""
    return {name: value for name in EVENT_FIELDS if (value := getattr(event, name)) is not None}


def downscale(image: Image.Image, max_width: int) -> Image.Image:
    """Shrink to ``max_width`` by averaging the pixels each output pixel covers (BOX, the
    usual filter for shrinking): a third cheaper than bilinear, 11 instead of 16 ms of CPU
    from 1920 to 1280 wide."""
    if image.width <= max_width:
        return image
    height = max(1, round(image.height * max_width / image.width))
    return image.resize((max_width, height), Image.Resampling.BOX, reducing_gap=2.0)


def fingerprint(image: Image.Image) -> Image.Image:
    """The screen as cells of `CELL_PX` x `CELL_PX` pixels averaged, in grey (about 1 ms for
    1280x800). Every pixel counts: a word typed into a form field changes several cells,
    where a difference hash, even of 256 bits, usually stays the same."""
    return image.reduce(CELL_PX).convert("L")


def changed_cells(before: Image.Image, after: Image.Image) -> int:
    """How many cells of two fingerprints differ visibly (all of them if the sizes do)."""
    if before.size != after.size:
        return after.width * after.height
    return ImageChops.difference(before, after).point(_CHANGED).histogram()[255]


def dhash(image: Image.Image, size: int = 8) -> int:
    """Difference hash of ``size`` x ``size`` bits (unsigned), stored as ``phash`` to find
    similar screens across recordings (not to deduplicate: see `fingerprint`).

    Sampling a grid of pixels first and averaging it into (size + 1) x size costs 0.03 ms
    instead of 4 ms for filtering the whole screen, and finds similar screens as well.
    """
    sampled = image.resize(((size + 1) * 8, size * 8), Image.Resampling.NEAREST)
    small = sampled.convert("L").resize((size + 1, size), Image.Resampling.BOX)
    pixels = small.tobytes()
    bits = 0
    for row in range(size):
        for col in range(size):
            offset = row * (size + 1) + col
            bits = (bits << 1) | (pixels[offset] > pixels[offset + 1])
    return bits


def as_int64(bits: int) -> int:
    """A 64-bit hash as the signed BIGINT the ``phash`` column holds."""
    return bits - (1 << 64) if bits >= 1 << 63 else bits


def encode_webp(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=quality, method=0)
    return buffer.getvalue()


class CaptureWorker(threading.Thread):
    """Takes (event, may_screenshot, window) items; hands ("shot", …)/("event", …) on."""

    def __init__(self, config: RecorderConfig, sink: Callable[[tuple], None], run_id: str) -> None:
        super().__init__(name="taskmine-capture", daemon=True)
        self.config = config
        self.sink = sink
        self.run_id = run_id
        self.queue: queue.Queue[tuple | None] = queue.Queue(maxsize=1000)
        self.errors = 0
        self.cpu_s = 0.0  # CPU time spent grabbing, hashing and encoding: their cost
        self._count = 0
        self._previous: Shot | None = None
        self._cells = Image.new("L", (0, 0))  # the previous shot's fingerprint
        self._frame: Image.Image | None = None

    def submit(self, event: Event, want_shot: bool, window: WindowInfo | None) -> None:
        self.queue.put(("event", event, want_shot, window))

    def forward(self, message: tuple) -> None:
        """Pass a control message (a new session) to the writer, in order with events."""
        self.queue.put(("forward", message))

    def stop(self) -> None:
        self.queue.put(None)
        self.join()

    def run(self) -> None:
        grabber = None
        while (item := self.queue.get()) is not None:
            if item[0] == "forward":
                self.sink(item[1])
                continue
            _, event, want_shot, window = item
            key = None
            if want_shot and time.time() - event.ts.replace(tzinfo=UTC).timestamp() < STALE_S:
                started = time.thread_time()
                try:
                    grabber = grabber or _open_grabber()
                    key = self._shoot(grabber, event, window)
                except Exception as exc:  # noqa: BLE001 - a failed screenshot must not stop capture
                    self.errors += 1
                    log.warning("screenshot failed: %s", exc)
                self.cpu_s += time.thread_time() - started
            self.sink(("event", event_row(event), key))
        if grabber is not None:
            grabber.close()

    def _shoot(self, grabber: Any, event: Event, window: WindowInfo | None) -> str:
        region = grabber.monitors[0]
        if self.config.screenshot_crop_to_window and window is not None and window.width:
            region = _clip(window, region)
        raw = grabber.grab(region)
        # One frame buffer, refilled in place: a new 4 MB image per shot costs more in
        # page faults (zeroing fresh memory) than the grab, and churns the heap.
        if self._frame is None or self._frame.size != raw.size:
            self._frame = Image.new("RGB", raw.size)
        self._frame.frombytes(raw.raw, "raw", "BGRX")
        cells = fingerprint(self._frame)
        previous = self._previous
        if (
            previous is not None
            and previous.session_id == event.session_id
            and changed_cells(self._cells, cells) <= self.config.screenshot_dedup_distance
        ):
            return previous.key
        image = downscale(self._frame, self.config.screenshot_max_width)
        self._count += 1
        shot = Shot(
            key=f"{self.run_id}:{self._count}",
            session_id=event.session_id or "",
            ts=event.ts,
            width=image.width,
            height=image.height,
            phash=as_int64(dhash(image)),
            image=encode_webp(image, self.config.screenshot_quality),
        )
        self._previous, self._cells = shot, cells
        self.sink(("shot", shot))
        return shot.key


def _open_grabber() -> Any:
    import mss  # connects to the display: only in the worker thread that uses it

    return mss.MSS()


def _clip(window: WindowInfo, screen: dict[str, int]) -> dict[str, int]:
    left = max(window.x, screen["left"])
    top = max(window.y, screen["top"])
    right = min(window.x + window.width, screen["left"] + screen["width"])
    bottom = min(window.y + window.height, screen["top"] + screen["height"])
    if right <= left or bottom <= top:
        return screen
    return {"left": left, "top": top, "width": right - left, "height": bottom - top}
