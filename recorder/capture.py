"""Screenshots on actions, taken by one worker thread (never in an input callback).

The worker is a pipeline stage: every event passes through it in order, and those that
may have a screenshot get one, or the previous one's key when the screen has not visibly
changed. Images are downscaled and WebP-compressed here, so the writer only stores bytes.

WebP encoding costs per pixel (21 ms for a 1920x1080 screen), so a new screen is stored
as the rectangle that changed since the previous screenshot (a few hundred pixels wide
after typing into a field: 0.3 ms), on top of it as its base; a full frame starts every
`screenshot_key_every` screenshots, on a new window or session, and when most of the
screen changed. `storage.screenshots` pastes the rectangles back into full frames. The
worker runs at a lower priority than the rest of the process where the OS allows it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

import numpy as np

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
#: A change covering more than this share of the screen is stored as a full frame: it
#: costs little more, and the explorer then has fewer rectangles to paste.
FULL_FRAME_SHARE = 0.5
#: The worker's nice value (Linux gives each thread its own): encoding yields the CPU to
#: the user's applications and to the recorder's input threads.
CAPTURE_NICE = 10
#: The pixels `dhash` samples (its default 8 x 8 bits): as many as it samples of an image.
HASH_GRID = (72, 64)
EVENT_FIELDS = tuple(f.name for f in fields(Event))
#: Items the capture queue holds at most; an event beyond them is dropped and counted.
QUEUE_SIZE = 1000
#: Events waiting beyond which new ones get no screenshot: about a second of full-frame
#: encoding already queued (21 ms each).
SHOT_BACKLOG = 50


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
    #: A changed rectangle: the key of the screenshot it is pasted onto, and where.
    base_key: str | None = None
    tile_x: int | None = None
    tile_y: int | None = None

    def as_row(self, base_id: int | None = None) -> dict[str, Any]:
        """The ``screenshots`` row, with the database id the writer gave ``base_key``."""
        return {
            "session_id": self.session_id,
            "ts": self.ts,
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "size_bytes": len(self.image),
            "phash": self.phash,
            "image": self.image,
            "base_id": base_id,
            "tile_x": self.tile_x,
            "tile_y": self.tile_y,
        }


def event_row(event: Event) -> dict[str, Any]:
    """The event's fields that have a value. Cheaper than `Event.as_row` (asdict copies
    every value deeply), and each column left out is one parameter less in the INSERT."""
    return {name: value for name in EVENT_FIELDS if (value := getattr(event, name)) is not None}


def downscale(image: Image.Image, max_width: int) -> Image.Image:
    """Shrink to ``max_width`` by averaging the pixels each output pixel covers (BOX, the
    usual filter for shrinking): a third cheaper than bilinear, 11 instead of 16 ms of CPU
    from 1920 to 1280 wide."""
    size = downscaled_size(image.size, max_width)
    if size == image.size:
        return image
    return image.resize(size, Image.Resampling.BOX, reducing_gap=2.0)


def downscaled_size(size: tuple[int, int], max_width: int) -> tuple[int, int]:
    """The size `downscale` gives an image of ``size``."""
    width, height = size
    if width <= max_width:
        return size
    return max_width, max(1, round(height * max_width / width))


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


def changed_box(before: np.ndarray, after: np.ndarray) -> tuple[int, int, int, int] | None:
    """The smallest rectangle (left, top, right, bottom) holding every pixel that differs
    between two frames of the same size (one 32-bit integer a pixel), or None: under 1 ms
    for 1920x1080, where encoding the whole frame costs 21 ms."""
    # Rows compared two pixels at a time where they pair up: a third less time.
    pairs = np.uint64 if before.shape[1] % 2 == 0 else np.uint32
    rows = np.flatnonzero(np.logical_or.reduce(before.view(pairs) != after.view(pairs), axis=1))
    if not rows.size:
        return None
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    cols = np.flatnonzero(np.logical_or.reduce(before[top:bottom] != after[top:bottom], axis=0))
    return int(cols[0]), top, int(cols[-1]) + 1, bottom


def as_image(pixels: np.ndarray) -> Image.Image:
    """An RGB image of a block of X11 pixels (BGRX, one 32-bit integer each)."""
    height, width = pixels.shape
    return Image.frombuffer(
        "RGB", (width, height), np.ascontiguousarray(pixels), "raw", "BGRX", 0, 1
    )


def cell_aligned(box: tuple[int, int, int, int], width: int, height: int) -> tuple[int, ...]:
    """``box`` grown to whole cells of the fingerprint grid (`CELL_PX`)."""
    left, top, right, bottom = box
    return (
        left - left % CELL_PX,
        top - top % CELL_PX,
        min(width, -(-right // CELL_PX) * CELL_PX),
        min(height, -(-bottom // CELL_PX) * CELL_PX),
    )


def scaled_box(
    box: tuple[int, int, int, int], size: tuple[int, int], scaled: tuple[int, int]
) -> tuple[int, int, int, int]:
    """The pixels of a frame of ``size`` downscaled to ``scaled`` that ``box`` reaches."""
    sx, sy = size[0] / scaled[0], size[1] / scaled[1]
    left, top, right, bottom = box
    return (
        math.floor(left / sx),
        math.floor(top / sy),
        min(scaled[0], math.ceil(right / sx)),
        min(scaled[1], math.ceil(bottom / sy)),
    )


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
    """Takes (event, may_screenshot, window) items; hands ("shot", …)/("event", …) on.

    `submit` never blocks the recording loop: when screenshots fall behind (a slow disk
    under the writer, a slow encoder) the worker sheds screenshots first, counted in
    ``screenshots_dropped`` (the events go on without one), and only when its queue is
    full drops events, counted in ``events_dropped`` (they reach the session's
    ``dropped_events``). Stalling instead would stop the loop from draining the input
    queue, and every input, not only screenshots, would be lost.
    """

    def __init__(
        self,
        config: RecorderConfig,
        sink: Callable[[tuple], None],
        run_id: str,
        sink_backlogged: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__(name="taskmine-capture", daemon=True)
        self.config = config
        self.sink = sink
        self.sink_backlogged = sink_backlogged
        self.run_id = run_id
        self.queue: queue.Queue[tuple | None] = queue.Queue(maxsize=QUEUE_SIZE)
        self.events_dropped = 0  # by `submit` (the loop's thread)
        self.shots_skipped = 0  # by `submit`: the queue was behind
        self.shots_shed = 0  # by the worker: the writer was behind
        self.errors = 0
        self.cpu_s = 0.0  # CPU time spent grabbing, comparing and encoding: their cost
        self._count = 0
        self._previous: Shot | None = None
        # The previous shot's screen: its region, its pixels as grabbed, and how many
        # changed rectangles were stored since its last full frame.
        self._region: dict[str, int] = {}
        self._pixels = np.zeros((0, 0), np.uint32)
        self._changes = 0

    @property
    def screenshots_dropped(self) -> int:
        return self.shots_skipped + self.shots_shed

    def submit(self, event: Event, want_shot: bool, window: WindowInfo | None) -> None:
        """Queue the event, without its screenshot when the worker is behind; never wait."""
        skip = want_shot and self.queue.qsize() >= SHOT_BACKLOG
        try:
            self.queue.put_nowait(("event", event, want_shot and not skip, window))
        except queue.Full:
            self.events_dropped += 1
            return
        self.shots_skipped += skip

    def forward(self, message: tuple) -> None:
        """Pass a control message (a new session) to the writer, in order with events.
        Rare and essential: it may wait for room."""
        self.queue.put(("forward", message))

    def stop(self) -> None:
        self.queue.put(None)
        self.join()

    def run(self) -> None:
        _lower_priority()
        grabber = None
        while (item := self.queue.get()) is not None:
            if item[0] == "forward":
                self.sink(item[1])
                continue
            _, event, want_shot, window = item
            key = None
            if want_shot and self.sink_backlogged():
                self.shots_shed += 1
                self._previous = None  # the writer may never store the shot it is based on
                want_shot = False
            if want_shot and time.time() - event.ts.replace(tzinfo=UTC).timestamp() < STALE_S:
                started = time.thread_time()
                try:
                    grabber = grabber or _open_grabber()
                    key = self._shoot(grabber, event, window)
                except Exception as exc:  # noqa: BLE001 - a failed screenshot must not stop capture
                    self.errors += 1
                    self._previous = None  # the next screenshot is a full frame
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
        pixels = np.frombuffer(raw.raw, np.uint32).reshape(raw.height, raw.width)
        if not pixels.flags.writeable:  # mss hands a bytearray; anything else is copied
            pixels = pixels.copy()
        previous = self._previous
        if (
            previous is None
            or previous.session_id != event.session_id
            or region != self._region
            or self._changes >= self.config.screenshot_key_every
        ):
            return self._store(event, pixels, region, None).key
        box = changed_box(self._pixels, pixels)
        if box is None or self._cells_changed(box, pixels) <= self.config.screenshot_dedup_distance:
            return previous.key
        left, top, right, bottom = box
        if (right - left) * (bottom - top) > FULL_FRAME_SHARE * pixels.size:
            box = None
        return self._store(event, pixels, region, box).key

    def _cells_changed(self, box: tuple[int, int, int, int], pixels: np.ndarray) -> int:
        """Cells of the fingerprint grid that changed visibly inside ``box``."""
        left, top, right, bottom = cell_aligned(box, pixels.shape[1], pixels.shape[0])
        before = fingerprint(as_image(self._pixels[top:bottom, left:right]))
        return changed_cells(before, fingerprint(as_image(pixels[top:bottom, left:right])))

    def _store(
        self,
        event: Event,
        pixels: np.ndarray,
        region: dict[str, int],
        box: tuple[int, int, int, int] | None,
    ) -> Shot:
        """Store the screen as a full frame (``box`` None) or as the rectangle ``box`` on
        top of the previous shot, and remember it as the screen the next one is compared to.
        The previous screen is kept once, as grabbed (``pixels`` must be writable): a second
        copy, or one as an image, would cost another 8 MB at 1920x1080."""
        max_width = self.config.screenshot_max_width
        if box is None:  # the grab's own buffer becomes the reference: no 8 MB copy
            self._pixels, self._region, self._changes = pixels, region, 0
            image, tile, base = downscale(as_image(self._pixels), max_width), None, None
        else:
            left, top, right, bottom = box
            self._pixels[top:bottom, left:right] = pixels[top:bottom, left:right]
            self._changes += 1
            image, tile = self._changed_tile(box)
            base = self._previous
        self._count += 1
        height, width = self._pixels.shape
        width, height = downscaled_size((width, height), max_width)
        shot = Shot(
            key=f"{self.run_id}:{self._count}",
            session_id=event.session_id or "",
            ts=event.ts,
            width=width,
            height=height,
            phash=as_int64(dhash(as_image(sampled(self._pixels, HASH_GRID)))),
            image=encode_webp(image, self.config.screenshot_quality),
            base_key=base.key if base else None,
            tile_x=tile[0] if tile else None,
            tile_y=tile[1] if tile else None,
        )
        self._previous = shot
        self.sink(("shot", shot))
        return shot

    def _changed_tile(self, box: tuple[int, int, int, int]) -> tuple[Image.Image, tuple[int, int]]:
        """The changed rectangle as stored (downscaled like full frames) and its position."""
        height, width = self._pixels.shape
        scaled = downscaled_size((width, height), self.config.screenshot_max_width)
        if scaled == (width, height):
            left, top, right, bottom = box
            return as_image(self._pixels[top:bottom, left:right]), (left, top)
        left, top, right, bottom = scaled_box(box, (width, height), scaled)
        sx, sy = width / scaled[0], height / scaled[1]
        # The source pixels those output pixels average, in whole pixels around them.
        x0, y0 = math.floor(left * sx), math.floor(top * sy)
        x1, y1 = min(width, math.ceil(right * sx)), min(height, math.ceil(bottom * sy))
        image = as_image(self._pixels[y0:y1, x0:x1]).resize(
            (right - left, bottom - top),
            Image.Resampling.BOX,
            box=(left * sx - x0, top * sy - y0, right * sx - x0, bottom * sy - y0),
        )
        return image, (left, top)


def sampled(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """An evenly spread grid of ``size`` (width, height) of the pixels: what `dhash` looks
    at, without converting the whole screen to an image."""
    rows = np.linspace(0, pixels.shape[0] - 1, size[1]).round().astype(np.intp)
    cols = np.linspace(0, pixels.shape[1] - 1, size[0]).round().astype(np.intp)
    return pixels[np.ix_(rows, cols)]


def _lower_priority() -> None:
    """Nice the calling thread (Linux only: elsewhere a nice value is per process)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), CAPTURE_NICE)


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
