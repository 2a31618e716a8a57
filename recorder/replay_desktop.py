"""The desktop replay acts on: this one (`LiveDesktop`), guarded by a `KillSwitch`.

`recorder.replay` plans and performs actions on any `recorder.replay.Desktop`; this module
is the real one. Every action first asks the kill switch, so the person at the desktop
can stop a replay at any moment with `recorder.replay.KILL_HOTKEY` or by pushing the mouse
into a corner of the screen.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from recorder.backends.base import WindowInfo
from recorder.replay import (
    CORNER_PX,
    KILL_HOTKEY,
    MODIFIER_KEYS,
    ReplayError,
    ReplayStopped,
    parse_keys,
)


class KillSwitch:
    """Stops replay when the person at the desktop says so: `KILL_HOTKEY`, or the mouse
    pushed into a corner of the screen (as pyautogui's fail-safe).

    ``pointer`` and ``screen`` report the pointer position and the screen size; `check`
    (called by the desktop before every action and while waiting) raises `ReplayStopped`.
    `start` listens for the hotkey (pynput, so it needs a display).
    """

    def __init__(
        self,
        pointer: Callable[[], tuple[int, int]],
        screen: Callable[[], tuple[int, int]],
        hotkey: str = KILL_HOTKEY,
    ) -> None:
        self._pointer, self._screen, self.hotkey = pointer, screen, hotkey
        self._tripped = threading.Event()
        self._reason = ""
        self._listener: Any = None

    def trip(self, reason: str) -> None:
        self._reason = reason
        self._tripped.set()

    def check(self) -> None:
        if not self._tripped.is_set() and self._in_corner():
            self.trip("the mouse was pushed into a screen corner")
        if self._tripped.is_set():
            raise ReplayStopped(f"replay stopped by its kill switch: {self._reason}")

    def _in_corner(self) -> bool:
        x, y = self._pointer()
        width, height = self._screen()
        near = lambda v, end: v <= CORNER_PX or v >= end - 1 - CORNER_PX  # noqa: E731
        return near(x, width) and near(y, height)

    def start(self) -> None:
        from pynput import keyboard

        chord = "+".join(f"<{k}>" if k in MODIFIER_KEYS else k for k in self.hotkey.split("+"))
        trip = lambda: self.trip(f"{self.hotkey} was pressed")  # noqa: E731
        self._listener = keyboard.GlobalHotKeys({chord: trip})
        self._listener.start()
        self._listener.wait()

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop()


# -- the real desktop ----------------------------------------------------------------------


class LiveDesktop:
    """This desktop: the recorder's window backend plus pynput's controllers, guarded by
    a `KillSwitch` that every action checks first.

    Constructing it connects to the display and starts listening for the kill hotkey;
    use it as a context manager (or call `close`). Nothing happens at import.
    """

    def __init__(self, backend_name: str = "auto") -> None:
        from pynput import keyboard, mouse

        from recorder.backends import get_backend

        self.backend = get_backend(backend_name)
        for needed in ("list_windows", "activate", "element_bounds", "screen_size"):
            if not hasattr(self.backend, needed):
                raise ReplayError(
                    f"replay cannot control windows with the {type(self.backend).__name__}",
                    "replay runs on Linux (X11) for now",
                )
        self._keyboard = _keyboard_controller(keyboard)
        self._mouse = mouse.Controller()
        self._keys, self._buttons = keyboard.Key, mouse.Button
        self.kill = KillSwitch(lambda: self._mouse.position, self.backend.screen_size)
        self.kill.start()

    def __enter__(self) -> LiveDesktop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.kill.stop()

    def windows(self) -> list[WindowInfo]:
        self.kill.check()
        return self.backend.list_windows()

    def active_window(self) -> WindowInfo | None:
        return self.backend.active_window()

    def activate(self, window: WindowInfo) -> None:
        self.kill.check()
        self.backend.activate(window.window_id)

    def element_bounds(self, window: WindowInfo, name: str) -> tuple[int, int, int, int] | None:
        self.kill.check()
        return self.backend.element_bounds(window.window_id, name)

    def click(self, x: int, y: int, button: str, count: int) -> None:
        self.kill.check()
        self._mouse.position = (x, y)
        time.sleep(0.05)  # let the application see the pointer arrive before the press
        self._mouse.click(self._buttons[button], count)

    def scroll(self, x: int, y: int, dx: int, dy: int) -> None:
        self.kill.check()
        self._mouse.position = (x, y)
        time.sleep(0.05)
        step_x, step_y = (dx > 0) - (dx < 0), (dy > 0) - (dy < 0)
        for i in range(max(abs(dx), abs(dy))):  # one notch at a time, as a wheel turns
            self.kill.check()
            self._mouse.scroll(step_x if i < abs(dx) else 0, step_y if i < abs(dy) else 0)
            time.sleep(0.03)

    def type(self, text: str) -> None:
        for char in text:  # a long text stops at the next character when the switch trips
            self.kill.check()
            self._keyboard.type(char)

    def press(self, keys: str) -> None:
        self.kill.check()
        mods, key = parse_keys(keys)
        target = key if len(key) == 1 else self._keys[key]
        with self._keyboard.pressed(*(self._keys[m] for m in mods)):
            self._keyboard.tap(target)

    def screenshot(self, path: Path) -> Path:
        import mss

        path.parent.mkdir(parents=True, exist_ok=True)
        with mss.mss() as screen:
            return Path(screen.shot(mon=-1, output=str(path)))


def _keyboard_controller(keyboard):  # -> pynput keyboard Controller
    """XTest on X11 (see `recorder.backends.x11_keys`), pynput's own elsewhere."""
    if sys.platform.startswith("linux"):
        from recorder.backends.x11_keys import XTestKeyboard

        return XTestKeyboard()
    return keyboard.Controller()
