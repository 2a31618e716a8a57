"""pynput listeners whose callbacks only build a raw input tuple and enqueue it.

Everything slow (window lookups, merging, screenshots, writing) happens on other
threads; a callback does one ``put_nowait``. A full queue drops the input and counts it,
and each callback's own duration (entry to enqueued) is sampled for the status and the
overhead benchmark. pynput connects to the display when imported, so it is imported in
`InputListeners.start`, never at module import.
"""

from __future__ import annotations

import queue
import time
from collections import deque
from itertools import islice
from typing import Any

from recorder.reduce import MODIFIERS

SAMPLES_KEPT = 20000


class _Counter:
    """Per-listener-thread counters: each is written by one thread only."""

    def __init__(self) -> None:
        self.dropped = 0
        self.latency_ns: deque[int] = deque(maxlen=SAMPLES_KEPT)


class InputListeners:
    def __init__(self, out: queue.Queue) -> None:
        self.out = out
        self._mouse = _Counter()
        self._keys = _Counter()
        self._listeners: list[Any] = []

    @property
    def dropped(self) -> int:
        return self._mouse.dropped + self._keys.dropped

    def latencies_ms(self, last: int | None = None) -> list[float]:
        """Callback durations, all kept or the ``last`` ones of each listener."""
        samples: list[int] = []
        for counter in (self._mouse, self._keys):
            recent = reversed(counter.latency_ns) if last else counter.latency_ns
            samples += islice(recent, last)
        return [ns / 1e6 for ns in samples]

    def start(self) -> None:
        from pynput import keyboard, mouse

        self._listeners = [
            _mouse_listener_class(mouse)(on_click=self._on_click, on_scroll=self._on_scroll),
            keyboard.Listener(on_press=self._on_press, on_release=self._on_release),
        ]
        for listener, name in zip(self._listeners, ("mouse", "keyboard"), strict=True):
            listener.name = f"taskmine-{name}"  # in the status's thread list
            listener.start()
        for listener in self._listeners:
            listener.wait()

    def stop(self) -> None:
        """Stop delivering inputs. Not joined: on X11 pynput's record thread only notices
        the stop at its next event; it is a daemon thread and ends with the process."""
        for listener in self._listeners:
            listener.stop()

    def _put(self, raw: tuple, counter: _Counter, started_ns: int) -> None:
        try:
            self.out.put_nowait(raw)
        except queue.Full:
            counter.dropped += 1
        counter.latency_ns.append(time.perf_counter_ns() - started_ns)

    def _on_click(self, x: int, y: int, button: Any, pressed: bool, injected: bool) -> None:
        if pressed:
            started = time.perf_counter_ns()
            self._put(("click", time.time(), x, y, button.name), self._mouse, started)

    def _on_scroll(self, x: int, y: int, dx: int, dy: int, injected: bool) -> None:
        started = time.perf_counter_ns()
        self._put(("scroll", time.time(), x, y, dx, dy), self._mouse, started)

    def _on_press(self, key: Any, injected: bool) -> None:
        started = time.perf_counter_ns()
        self._put(("press", time.time(), _key_name(key)), self._keys, started)

    def _on_release(self, key: Any, injected: bool) -> None:
        name = _key_name(key)
        if name in MODIFIERS:
            started = time.perf_counter_ns()
            self._put(("release", time.time(), name), self._keys, started)


def _mouse_listener_class(mouse: Any) -> type:
    """pynput's mouse listener, on X11 recording button presses only.

    pynput records the X event range ButtonPress..LeaveNotify, so every pointer motion
    (a hundred a second while the mouse moves) is parsed in Python and then dropped here.
    Clicks and wheel steps are all button presses; releases are not used either.
    """
    listener = mouse.Listener
    if not listener.__module__.endswith("._xorg"):
        return listener
    from Xlib import X

    return type("ButtonPressListener", (listener,), {"_EVENTS": (X.ButtonPress, X.ButtonPress)})


def _key_name(key: Any) -> str:
    """A character for printable keys, otherwise pynput's key name ("ctrl_l", "tab")."""
    if key is None:
        return "unknown"
    char = getattr(key, "char", None)
    if char:
        return char
    name = getattr(key, "name", None)
    return name if name else f"vk{getattr(key, 'vk', '')}"
