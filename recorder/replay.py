"""Replay of an exported workflow on this desktop: one run per row of an inputs file.

The workflow document (``explorer/workflow.py`` builds and validates it) says what to do;
this module turns it, row by row, into concrete `Action`s (`plan_run`, pure, which is all
``--dry-run`` needs) and performs them on a `Desktop` (`replay`). `LiveDesktop` is the real
one: the recorder's window backend finds and raises windows and named elements, pynput's
controllers click and type, mss takes the screenshot that goes with a failure. Everything
a run needs is checked before the first action, so a bad file never half-fills a form.

Example::

    rows = read_inputs(Path("orders.csv"), workflow)
    replay(workflow, rows, ReplayOptions(), LiveDesktop())
"""

from __future__ import annotations

import csv
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from recorder.backends.base import WindowInfo
from recorder.errors import RecorderError

#: What `replay` performs; any other kind is refused before anything is touched.
PERFORMED = ("focus", "wait_window", "click", "double_click", "right_click", "type",
             "hotkey", "copy", "cut", "paste")  # fmt: skip
YES = frozenset({"1", "true", "yes", "y", "x"})
MODIFIER_KEYS = ("ctrl", "alt", "shift", "cmd")
#: Key names of recordings that pynput spells differently.
KEY_ALIASES = {"escape": "esc", "return": "enter", "del": "delete", "super": "cmd"}
#: pynput's ``Key`` names that work on every platform (importing pynput needs a display,
#: and ``--dry-run`` must not need one).
NAMED_KEYS = frozenset({
    "backspace", "caps_lock", "delete", "down", "end", "enter", "esc", "home", "insert",
    "left", "menu", "page_down", "page_up", "print_screen", "right", "space", "tab", "up",
    *(f"f{i}" for i in range(1, 21)),
})  # fmt: skip


class ReplayError(RecorderError):
    """A workflow cannot be replayed as asked."""


class InputsError(ReplayError):
    """The inputs file does not fit the workflow."""


class TargetNotFoundError(ReplayError):
    """A window or element of a step did not appear in time."""

    hint = "open the application in the state the workflow starts from, or raise the timeout"


@dataclass(frozen=True)
class ReplayOptions:
    timeout_s: float = 10.0  # wait for a window or element, unless the step sets its own
    step_delay_s: float = 0.2  # let the application react between steps
    failure_dir: Path = field(default_factory=Path.cwd)  # where failure screenshots go


@dataclass(frozen=True)
class Action:
    """One step of one run, with its value resolved from the inputs row."""

    step: int
    kind: str
    window: str | None = None  # regular expression over whole window titles
    element: str | None = None
    offset: tuple[float, float] | None = None  # from the window's top-left corner
    text: str | None = None
    keys: str | None = None
    timeout_s: float = 10.0
    skip: str | None = None  # why the step does not run in this row


class Desktop(Protocol):
    """What replay needs of a desktop; `LiveDesktop` is the real one."""

    def windows(self) -> list[WindowInfo]: ...
    def active_window(self) -> WindowInfo | None: ...
    def activate(self, window: WindowInfo) -> None: ...
    def element_bounds(self, window: WindowInfo, name: str) -> tuple[int, int, int, int] | None: ...
    def click(self, x: int, y: int, button: str, count: int) -> None: ...
    def type(self, text: str) -> None: ...
    def press(self, keys: str) -> None: ...
    def screenshot(self, path: Path) -> Path: ...


# -- planning (pure) -----------------------------------------------------------------------


def read_inputs(path: Path, workflow: dict[str, Any]) -> list[dict[str, str]]:
    """The rows of a CSV inputs file; `InputsError` names every required column it lacks."""
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            columns = reader.fieldnames or []
    except FileNotFoundError as exc:
        raise InputsError(f"inputs file {path} does not exist") from exc
    missing = [i for i in workflow["inputs"] if i["required"] and i["name"] not in columns]
    if missing:
        needed = ", ".join(f"{i['name']!r} (step {i['step']})" for i in missing)
        raise InputsError(
            f"{path} has no column {needed}; its columns are: {', '.join(columns) or 'none'}",
            "add the column (one value per run) and run again; nothing was replayed",
        )
    if not rows:
        raise InputsError(f"{path} has no rows", "add one row per run; nothing was replayed")
    return rows


def check_replayable(workflow: dict[str, Any]) -> None:
    """Refuse a workflow with steps replay cannot perform, naming each."""
    problems = []
    for step in workflow["steps"]:
        kind, target = step["kind"], step["target"]
        if kind not in PERFORMED:
            problems.append(f"step {step['id']} is a {kind!r}, which replay cannot perform")
        elif kind in ("focus", "wait_window") and not target["window_pattern"]:
            problems.append(f"step {step['id']} ({kind}) names no window")
        elif "click" in kind and not (target["element"] or target["relative_position"]):
            problems.append(f"step {step['id']} ({kind}) has neither an element nor a position")
        elif kind in ("hotkey", "copy", "cut", "paste") and not _pasted_text(step):
            try:
                parse_keys(step["keys"] or "")
            except ReplayError as exc:
                problems.append(f"step {step['id']}: {exc.args[0]}")
    if problems:
        raise ReplayError(
            "; ".join(problems), "edit the workflow (remove or change those steps) and run again"
        )


def plan_run(workflow: dict[str, Any], row: dict[str, str], timeout_s: float) -> list[Action]:
    """The actions of one run: values taken from ``row``, optional steps decided by it."""
    actions = []
    for step in workflow["steps"]:
        target, position = step["target"], step["target"]["relative_position"]
        actions.append(
            Action(
                step=step["id"],
                kind=step["kind"],
                window=target["window_pattern"],
                element=target["element"],
                offset=(position["x"], position["y"]) if position else None,
                text=_text(step, row),
                keys=step["keys"],
                timeout_s=step.get("timeout_s", timeout_s),
                skip=_skip_reason(step, row),
            )
        )
    return actions


def _text(step: dict, row: dict[str, str]) -> str | None:
    value = step["value"] or {}
    if "input" in value:
        return row.get(value["input"]) or ""
    return value.get("constant")


def _pasted_text(step: dict) -> bool:
    """A paste of an input or constant is typed: the clipboard belongs to the user."""
    return step["kind"] == "paste" and bool({"input", "constant"} & set(step["value"] or {}))


def _skip_reason(step: dict, row: dict[str, str]) -> str | None:
    decision = step["decision"]
    if not step["optional"] or decision is None:
        return None
    value = (row.get(decision["input"]) or "").strip()
    if decision["kind"] == "input_present":
        return None if value else f"optional, {decision['input']} is empty"
    if not value:
        return None if decision["default"] else f"optional, {decision['input']} is empty"
    return None if value.lower() in YES else f"optional, {decision['input']} is not yes"


def describe(action: Action) -> str:
    """One line for ``--dry-run``: what would happen, where."""
    where = f" in window /{action.window}/" if action.window else ""
    if action.skip:
        what, where = f"skip ({action.skip})", ""
    elif action.kind in ("focus", "wait_window"):
        what, where = f"{action.kind} /{action.window}/", ""
    elif "click" in action.kind:
        spot = repr(action.element) if action.element else f"at offset {action.offset}"
        what = f"{action.kind} {spot}"
    elif action.text is not None:
        what = f"type {action.text!r}"
    else:
        what = f"{action.kind} {action.keys}"
    return f"step {action.step:>3}: {what}{where}"


def parse_keys(keys: str) -> tuple[list[str], str]:
    """``ctrl+shift+s`` → (``["ctrl", "shift"]``, ``"s"``); ``ctrl++`` presses the + key.

    Names are checked against pynput's, without importing pynput (that needs a display).
    """
    combo = keys.strip().lower()
    if combo.endswith("+"):
        head, key = combo[:-1], "+"
    else:
        head, _, key = combo.rpartition("+")
    mods = [KEY_ALIASES.get(m, m) for m in head.split("+") if m]
    key = KEY_ALIASES.get(key, key)
    bad = [m for m in mods if m not in MODIFIER_KEYS]
    if not key or bad or (len(key) > 1 and key not in NAMED_KEYS):
        raise ReplayError(f"cannot press {keys!r}: unknown key {(bad or [key])[0]!r}")
    return mods, key


# -- running -------------------------------------------------------------------------------


def replay(
    workflow: dict[str, Any],
    rows: list[dict[str, str]],
    options: ReplayOptions,
    desktop: Desktop,
    on_run: Callable[[int, int], None] | None = None,
) -> int:
    """Perform the workflow once per row; return the number of runs.

    Stops at the first step whose window or element does not appear within its timeout,
    with `TargetNotFoundError` naming the run and step and the screenshot it saved.
    """
    check_replayable(workflow)
    for run, row in enumerate(rows, start=1):
        for action in plan_run(workflow, row, options.timeout_s):
            if action.skip:
                continue
            try:
                perform(desktop, action)
            except TargetNotFoundError as exc:
                shot = desktop.screenshot(
                    options.failure_dir / f"replay-failure-run{run}-step{action.step}.png"
                )
                raise TargetNotFoundError(
                    f"run {run}, step {action.step}: {exc.args[0]}; screenshot: {shot}"
                ) from exc
            time.sleep(options.step_delay_s)
        if on_run:
            on_run(run, len(rows))
    return len(rows)


def perform(desktop: Desktop, action: Action) -> None:
    """One action: make sure its window is there and in front, then act in it."""
    window = _front_window(desktop, action) if action.window else None
    if action.kind in ("focus", "wait_window"):
        return
    if "click" in action.kind:
        x, y = _click_point(desktop, action, window)
        button = "right" if action.kind == "right_click" else "left"
        desktop.click(x, y, button, 2 if action.kind == "double_click" else 1)
    elif action.text is not None:
        desktop.type(action.text)
    else:
        desktop.press(action.keys or "")


def _front_window(desktop: Desktop, action: Action) -> WindowInfo:
    pattern = re.compile(action.window or "")
    window = _wait(lambda: _find(desktop.windows(), pattern), action.timeout_s)
    if window is None:
        raise TargetNotFoundError(
            f"no window whose title matches /{pattern.pattern}/ appeared within "
            f"{action.timeout_s:g} s"
        )
    if action.kind == "wait_window":
        return window
    active = desktop.active_window()
    if active is None or active.window_id != window.window_id:
        desktop.activate(window)
        _wait(lambda: _is_active(desktop, window), min(action.timeout_s, 2.0))
    return window


def _click_point(desktop: Desktop, action: Action, window: WindowInfo | None) -> tuple[int, int]:
    if action.element and window is not None:
        bounds = _wait(lambda: desktop.element_bounds(window, action.element),
                       action.timeout_s if action.offset is None else 0.5)  # fmt: skip
        if bounds:
            x, y, width, height = bounds
            return x + width // 2, y + height // 2
    if action.offset and window is not None:
        return int(window.x + action.offset[0]), int(window.y + action.offset[1])
    raise TargetNotFoundError(
        f"element {action.element!r} was not found in the window"
        if action.element
        else "the click has no window to be relative to"
    )


def _find(windows: list[WindowInfo], pattern: re.Pattern[str]) -> WindowInfo | None:
    """The topmost window whose title matches (lists are bottom to top)."""
    return next((w for w in reversed(windows) if w.title and pattern.match(w.title)), None)


def _is_active(desktop: Desktop, window: WindowInfo) -> bool:
    active = desktop.active_window()
    return active is not None and active.window_id == window.window_id


def _wait(probe: Callable[[], Any], timeout_s: float, every_s: float = 0.1) -> Any:
    """Poll ``probe`` until it returns something truthy or the timeout passes."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = probe()
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(every_s)


# -- the real desktop ----------------------------------------------------------------------


class LiveDesktop:
    """This desktop: the recorder's window backend plus pynput's controllers.

    Constructing it connects to the display; nothing happens at import.
    """

    def __init__(self, backend_name: str = "auto") -> None:
        from pynput import keyboard, mouse

        from recorder.backends import get_backend

        self.backend = get_backend(backend_name)
        for needed in ("list_windows", "activate", "element_bounds"):
            if not hasattr(self.backend, needed):
                raise ReplayError(
                    f"replay cannot control windows with the {type(self.backend).__name__}",
                    "replay runs on Linux (X11) for now",
                )
        self._keyboard = _keyboard_controller(keyboard)
        self._mouse = mouse.Controller()
        self._keys, self._buttons = keyboard.Key, mouse.Button

    def windows(self) -> list[WindowInfo]:
        return self.backend.list_windows()

    def active_window(self) -> WindowInfo | None:
        return self.backend.active_window()

    def activate(self, window: WindowInfo) -> None:
        self.backend.activate(window.window_id)

    def element_bounds(self, window: WindowInfo, name: str) -> tuple[int, int, int, int] | None:
        return self.backend.element_bounds(window.window_id, name)

    def click(self, x: int, y: int, button: str, count: int) -> None:
        self._mouse.position = (x, y)
        time.sleep(0.05)  # let the application see the pointer arrive before the press
        self._mouse.click(self._buttons[button], count)

    def type(self, text: str) -> None:
        self._keyboard.type(text)

    def press(self, keys: str) -> None:
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
