"""Raw input → actions, at capture time: type bursts, hotkeys, double clicks, focus, idle.

Pure logic over raw input tuples (no OS code, no threads), so it is tested without a
desktop. Raw inputs, as the listeners enqueue them::

    ("click", ts, x, y, button)      button: left | right | middle | …
    ("scroll", ts, x, y, dx, dy)
    ("press", ts, key)               key: one character, or a pynput key name ("ctrl_l")
    ("release", ts, key)             modifiers only

``ts`` is epoch seconds taken in the input callback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from recorder.backends.base import WindowInfo

MODIFIERS = {
    "ctrl": "ctrl",
    "ctrl_l": "ctrl",
    "ctrl_r": "ctrl",
    "alt": "alt",
    "alt_l": "alt",
    "alt_r": "alt",
    "shift": "shift",
    "shift_l": "shift",
    "shift_r": "shift",
    "cmd": "cmd",
    "cmd_l": "cmd",
    "cmd_r": "cmd",
}
MODIFIER_ORDER = ("ctrl", "alt", "shift", "cmd")
#: Keys that mean something on their own (submit, next field, cancel…).
SIGNIFICANT_KEYS = {"enter", "tab", "esc", "escape", "delete"} | {f"f{i}" for i in range(1, 25)}
#: Keys that end a field's type burst and move on (we no longer know the field).
FIELD_ENDING_KEYS = {"enter", "tab"}
CLIPBOARD = {
    "ctrl+c": "copy",
    "cmd+c": "copy",
    "ctrl+insert": "copy",
    "ctrl+x": "cut",
    "cmd+x": "cut",
    "shift+delete": "cut",
    "ctrl+v": "paste",
    "cmd+v": "paste",
    "shift+insert": "paste",
}
#: A clipboard change this soon after ctrl+c/ctrl+x is that copy, not another one.
CLIPBOARD_ECHO_S = 2.0
DOUBLE_CLICK_PX = 4
SCROLL_GAP_S = 0.5


@dataclass
class Action:
    """One user action with everything known about it, before the privacy policy."""

    kind: str
    ts: float
    window: WindowInfo | None
    x: int | None = None
    y: int | None = None
    text: str | None = None  # typed text (kept only if policy allows) or hotkey combo
    element: str | None = None
    field_known: bool = False  # typing went into the field of the last click
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Burst:
    ts: float
    last: float
    window: WindowInfo | None
    element: str | None
    field_known: bool
    chars: list[str] = field(default_factory=list)
    keys: int = 0
    edits: int = 0


class Reducer:
    """Merges raw inputs into actions; call `due` when `deadline` passes."""

    def __init__(self, double_click_s: float, type_gap_s: float, idle_after_s: float) -> None:
        self.double_click_s = double_click_s
        self.type_gap_s = type_gap_s
        self.idle_after_s = idle_after_s
        self.paused = False
        self.window: WindowInfo | None = None
        self._window_key: tuple | None = None
        self._mods: set[str] = set()
        self._burst: _Burst | None = None
        self._click: Action | None = None
        self._scroll: Action | None = None
        self._field: str | None = None
        self._field_known = False
        self._last_input: float | None = None
        self._last_copy_key = float("-inf")

    # -- the loop's interface --------------------------------------------------------

    def needs_window(self, raw: tuple) -> bool:
        """Whether the loop must look up the active window before `feed` (costly on X11)."""
        if raw[0] == "release":
            return False
        if raw[0] == "press":
            return self._burst is None or not _printable(raw[2]) or bool(self._hotkey_mods())
        return True

    def observe(self, window: WindowInfo | None, ts: float) -> list[Action]:
        """The active window now; a new window or title becomes a ``focus`` action."""
        key = window.key if window else None
        if key == self._window_key:
            self.window = window
            return []
        out = self.flush()
        self.window, self._window_key = window, key
        self._field, self._field_known = None, False
        if window is not None and not self.paused:
            out.append(Action("focus", ts, window))
        return out

    def feed(self, raw: tuple, element: str | None = None) -> list[Action]:
        """One raw input; ``element`` names the UI element under a click, if known."""
        kind, ts = raw[0], raw[1]
        if kind == "release":
            self._mods.discard(MODIFIERS.get(raw[2], ""))
            return []
        out = self._idle(ts) if not self.paused else []
        self._last_input = ts
        if kind == "press":
            out += self._press(ts, raw[2])
        elif self.paused:
            return out
        elif kind == "click":
            out += self._click_at(ts, raw[2], raw[3], raw[4], element)
        elif kind == "scroll":
            out += self._scroll_by(ts, raw[2], raw[3], raw[4], raw[5])
        return out

    def clipboard_changed(self, ts: float) -> list[Action]:
        """Something was copied without a copy hotkey (a menu, a button): a ``copy``."""
        if self.paused or ts - self._last_copy_key <= CLIPBOARD_ECHO_S:
            return []
        out = self._end_pending()
        out.append(Action("copy", ts, self.window, attrs={"via": "clipboard"}))
        return out

    def deadline(self) -> float | None:
        times = []
        if self._burst:
            times.append(self._burst.last + self.type_gap_s)
        if self._click:
            times.append(self._click.ts + self.double_click_s)
        if self._scroll:
            times.append(self._scroll.attrs["last"] + SCROLL_GAP_S)
        return min(times) if times else None

    def due(self, now: float) -> list[Action]:
        out: list[Action] = []
        if self._burst and now >= self._burst.last + self.type_gap_s:
            out += self._end_burst("pause")
        if self._click and now >= self._click.ts + self.double_click_s:
            out.append(self._click)
            self._click = None
        if self._scroll and now >= self._scroll.attrs["last"] + SCROLL_GAP_S:
            out += self._end_scroll()
        return sorted(out, key=lambda a: a.ts)

    def flush(self) -> list[Action]:
        """Everything pending, in time order (before a focus change, pause or stop)."""
        out = self._end_burst("focus")
        if self._click:
            out.append(self._click)
            self._click = None
        out += self._end_scroll()
        return sorted(out, key=lambda a: a.ts)

    # -- keys --------------------------------------------------------------------------

    def _press(self, ts: float, key: str) -> list[Action]:
        if key in MODIFIERS:
            self._mods.add(MODIFIERS[key])
            return []
        key = _normalize(key)
        mods = self._hotkey_mods()
        if mods or (key in ("insert", "delete") and "shift" in self._mods):
            combo = "+".join([m for m in MODIFIER_ORDER if m in self._mods] + [key.lower()])
            kind = CLIPBOARD.get(combo, "hotkey")
            if kind in ("copy", "cut"):
                self._last_copy_key = ts
            out = self._end_pending()
            out.append(Action(kind, ts, self.window, text=combo))
            return out
        if self.paused:
            return []
        if _printable(key):
            return self._type(ts, key)
        return self._special(ts, key)

    def _hotkey_mods(self) -> set[str]:
        return self._mods & {"ctrl", "alt", "cmd"}

    def _type(self, ts: float, char: str) -> list[Action]:
        out = self._end_click_and_scroll()
        if self._burst is None:
            self._burst = _Burst(ts, ts, self.window, self._field, self._field_known)
        self._burst.chars.append(char)
        self._burst.keys += 1
        self._burst.last = ts
        return out

    def _special(self, ts: float, key: str) -> list[Action]:
        burst = self._burst
        if burst is not None and key == "backspace":
            if burst.chars:
                burst.chars.pop()
            burst.keys += 1
            burst.last = ts
            return []
        if key in FIELD_ENDING_KEYS:
            out = self._end_burst(key) if burst else self._end_pending()
            if not burst:
                out.append(Action("hotkey", ts, self.window, text=key))
            self._field, self._field_known = None, False
            return out
        if key in SIGNIFICANT_KEYS:
            out = self._end_pending()
            out.append(Action("hotkey", ts, self.window, text=key))
            return out
        if burst is not None:  # arrows, home, end…: editing inside the field
            burst.edits += 1
            burst.last = ts
        return []

    def _end_burst(self, ended_by: str) -> list[Action]:
        burst, self._burst = self._burst, None
        if burst is None:
            return []
        attrs: dict[str, Any] = {"keys": burst.keys, "ended_by": ended_by}
        if burst.edits:
            attrs["edits"] = burst.edits
        action = Action(
            "type",
            burst.ts,
            burst.window,
            text="".join(burst.chars),
            element=burst.element,
            field_known=burst.field_known,
            attrs=attrs,
        )
        return [action]

    # -- mouse -------------------------------------------------------------------------

    def _click_at(
        self, ts: float, x: int, y: int, button: str, element: str | None
    ) -> list[Action]:
        out = self._end_burst("click") + self._end_scroll()
        self._field, self._field_known = element, True
        pending = self._click
        if (
            button == "left"
            and pending is not None
            and ts - pending.ts <= self.double_click_s
            and abs(x - pending.x) <= DOUBLE_CLICK_PX
            and abs(y - pending.y) <= DOUBLE_CLICK_PX
        ):
            pending.kind = "double_click"
            self._click = None
            return out + [pending]
        if pending is not None:
            out.append(pending)
            self._click = None
        if button == "left":
            self._click = Action("click", ts, self.window, x, y, element=element)
        elif button == "right":
            out.append(Action("right_click", ts, self.window, x, y, element=element))
        else:
            out.append(
                Action("click", ts, self.window, x, y, element=element, attrs={"button": button})
            )
        return out

    def _scroll_by(self, ts: float, x: int, y: int, dx: int, dy: int) -> list[Action]:
        out = self._end_burst("scroll") + self._end_click()
        if self._scroll is None:
            self._scroll = Action("scroll", ts, self.window, x, y, attrs={"dx": 0, "dy": 0})
        self._scroll.attrs["dx"] += dx
        self._scroll.attrs["dy"] += dy
        self._scroll.attrs["last"] = ts
        return out

    def _end_scroll(self) -> list[Action]:
        scroll, self._scroll = self._scroll, None
        if scroll is None:
            return []
        scroll.attrs.pop("last", None)
        return [scroll]

    def _end_click(self) -> list[Action]:
        click, self._click = self._click, None
        return [click] if click else []

    def _end_click_and_scroll(self) -> list[Action]:
        return sorted(self._end_click() + self._end_scroll(), key=lambda a: a.ts)

    def _end_pending(self) -> list[Action]:
        return sorted(
            self._end_burst("hotkey") + self._end_click() + self._end_scroll(),
            key=lambda a: a.ts,
        )

    def _idle(self, ts: float) -> list[Action]:
        last = self._last_input
        if last is None or ts - last < self.idle_after_s:
            return []
        return [Action("idle", last, self.window, attrs={"duration_s": round(ts - last, 1)})]


def _normalize(key: str) -> str:
    if key == "space":
        return " "
    if len(key) == 1 and ord(key) < 32:  # a control character: ctrl+letter on some systems
        return chr(ord(key) + 96)
    return key


def _printable(key: str) -> bool:
    return len(key) == 1 and key.isprintable() or key == "space"
