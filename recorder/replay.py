"""Replay of an exported workflow on this desktop: one run per row of an inputs file.

The workflow document (``explorer/workflow.py`` builds and validates it) says what to do;
this module turns it, row by row, into concrete `Action`s (`plan_run`, pure, which is all
``--dry-run`` needs) and performs them on a `Desktop` (`replay`). `LiveDesktop` is the real
one: the recorder's window backend finds and raises windows and named elements, pynput's
controllers click, scroll and type, mss takes the screenshot that goes with a failure.

Safety, because a replay drives someone's real desktop: everything a run needs is checked
before the first action (`check_replayable`: kinds, keys, patterns that compile, bounded
timeouts and sizes; `read_inputs`: columns, encoding, size), so a bad file never
half-fills a form; `ask_to_proceed` wants a yes before anything is touched; and the
`KillSwitch` of a `LiveDesktop` stops replay at its next action when the person presses
`KILL_HOTKEY` or pushes the mouse into a corner of the screen.

Reading the inputs file is `recorder.replay_inputs`; the live desktop and its kill switch
are `recorder.replay_desktop`.

Example::

    rows = read_inputs(Path("orders.csv"), workflow)
    with LiveDesktop() as desktop:
        replay(workflow, rows, ReplayOptions(), desktop)
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

from recorder.backends.base import WindowInfo
from recorder.errors import RecorderError

#: What `replay` performs; any other kind is refused before anything is touched.
PERFORMED = ("focus", "wait_window", "click", "double_click", "right_click", "type",
             "hotkey", "copy", "cut", "paste", "scroll")  # fmt: skip
YES = frozenset({"1", "true", "yes", "y", "x"})
MODIFIER_KEYS = ("ctrl", "alt", "shift", "cmd")
#: Key names of recordings that pynput spells differently.
KEY_ALIASES = {"escape": "esc", "return": "enter", "del": "delete", "super": "cmd"}
#: pynput's ``Key`` names that work on every platform (importing pynput needs a display,
#: and ``--dry-run`` must not need one). The workflow schema's ``keys`` grammar names the
#: same keys (a test keeps the two together).
NAMED_KEYS = frozenset({
    "backspace", "caps_lock", "delete", "down", "end", "enter", "esc", "home", "insert",
    "left", "menu", "page_down", "page_up", "print_screen", "right", "space", "tab", "up",
    *(f"f{i}" for i in range(1, 21)),
})  # fmt: skip
#: Pressing this, or pushing the mouse into a screen corner, stops a replay.
KILL_HOTKEY = "ctrl+alt+shift+k"
#: How close to a corner (pixels) the pointer counts as pushed into it.
CORNER_PX = 2
#: Bounds checked before the first action (the schema holds the same for documents).
MAX_TIMEOUT_S = 600.0
MAX_STEPS = 10_000
MAX_PATTERN_CHARS = 2_000
#: Wheel steps (dx, dy) of a scroll step that does not say: three down.
DEFAULT_SCROLL = (0, -3)


class ReplayError(RecorderError):
    """A workflow cannot be replayed as asked."""


class InputsError(ReplayError):
    """The inputs file does not fit the workflow."""


class TargetNotFoundError(ReplayError):
    """A window or element of a step did not appear in time."""

    hint = "open the application in the state the workflow starts from, or raise the timeout"


class ReplayStopped(ReplayError):
    """The person at the desktop stopped the replay (kill hotkey or mouse in a corner)."""

    hint = "nothing more was done; the current run may be half done, check the application"


@dataclass(frozen=True)
class ReplayOptions:
    timeout_s: float = 10.0  # wait for a window or element, unless the step sets its own
    step_delay_s: float = 0.2  # let the application react between steps
    retries: int = 1  # tries again of a step whose window or element did not appear
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
    scroll: tuple[int, int] | None = None  # wheel steps right (dx) and up (dy)


class Desktop(Protocol):
    """What replay needs of a desktop; `LiveDesktop` is the real one."""

    def windows(self) -> list[WindowInfo]: ...
    def active_window(self) -> WindowInfo | None: ...
    def activate(self, window: WindowInfo) -> None: ...
    def element_bounds(self, window: WindowInfo, name: str) -> tuple[int, int, int, int] | None: ...
    def click(self, x: int, y: int, button: str, count: int) -> None: ...
    def scroll(self, x: int, y: int, dx: int, dy: int) -> None: ...
    def type(self, text: str) -> None: ...
    def press(self, keys: str) -> None: ...
    def screenshot(self, path: Path) -> Path: ...


# -- checking and planning (pure) ----------------------------------------------------------


def check_replayable(workflow: dict[str, Any], timeout_s: float = 10.0) -> None:
    """Refuse, naming each, the steps replay cannot perform or that are out of bounds:
    unknown kinds, keys it cannot press (or the kill hotkey), window patterns that do not
    compile, timeouts past `MAX_TIMEOUT_S`, more than `MAX_STEPS` steps."""
    steps = workflow["steps"]
    if len(steps) > MAX_STEPS:
        raise ReplayError(
            f"the workflow has {len(steps):,} steps; replay runs at most {MAX_STEPS:,}"
        )
    _check_timeout(timeout_s, "the replay timeout")
    problems = [f"step {s['id']}: {p}" for s in steps if (p := _step_problem(s))]
    if problems:
        shown = "; ".join(problems[:10]) + (
            f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
        )
        raise ReplayError(shown, "edit the workflow (remove or change those steps) and run again")


def _step_problem(step: dict) -> str | None:
    kind, target = step["kind"], step["target"]
    if kind not in PERFORMED:
        return f"{quoted(kind)} is not something replay can perform"
    pattern = target["window_pattern"]
    try:
        _check_timeout(step.get("timeout_s", 10.0), "timeout_s")
        if pattern is not None:
            _compile(pattern)
        if kind in ("focus", "wait_window") and not pattern:
            return f"{kind} names no window"
        if "click" in kind and not (target["element"] or target["relative_position"]):
            return f"{kind} has neither an element nor a position"
        if "click" in kind and not pattern:
            return f"{kind} has no window to click in"
        if kind in ("hotkey", "copy", "cut", "paste") and not _pasted_text(step):
            mods, key = parse_keys(step["keys"] or "")
            if "+".join([*mods, key]) == KILL_HOTKEY:
                return f"{KILL_HOTKEY} is the kill switch of replay; a step cannot press it"
    except ReplayError as exc:
        return exc.args[0]
    return None


def _check_timeout(value: Any, what: str) -> None:
    if not isinstance(value, int | float) or not 0 < value <= MAX_TIMEOUT_S:
        raise ReplayError(f"{what} {value!r} is more than {MAX_TIMEOUT_S:g} s or not positive")


def _compile(pattern: str) -> re.Pattern[str]:
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ReplayError(f"window_pattern is longer than {MAX_PATTERN_CHARS} characters")
    try:
        return re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        raise ReplayError(
            f"window_pattern {quoted(pattern)} is not a regular expression ({exc})"
        ) from exc


def plan_run(workflow: dict[str, Any], row: dict[str, str], timeout_s: float) -> list[Action]:
    """The actions of one run: values taken from ``row``, optional steps decided by it."""
    return [action_of(step, row, timeout_s) for step in workflow["steps"]]


def action_of(step: dict[str, Any], row: dict[str, str], timeout_s: float) -> Action:
    """One step of the workflow as an `Action`, its value and skip decided by ``row``."""
    target, position = step["target"], step["target"]["relative_position"]
    scroll = step.get("scroll")
    wheel = (scroll["dx"], scroll["dy"]) if scroll else DEFAULT_SCROLL
    return Action(
        step=step["id"],
        kind=step["kind"],
        window=target["window_pattern"],
        element=target["element"],
        offset=(position["x"], position["y"]) if position else None,
        text=_text(step, row),
        keys=step["keys"],
        timeout_s=step.get("timeout_s", timeout_s),
        skip=skip_reason(step, row),
        scroll=wheel if step["kind"] == "scroll" else None,
    )


def _text(step: dict, row: dict[str, str]) -> str | None:
    value = step["value"] or {}
    if "input" in value:
        return row.get(value["input"]) or ""
    return value.get("constant")


def _pasted_text(step: dict) -> bool:
    """A paste of an input or constant is typed: the clipboard belongs to the user."""
    return step["kind"] == "paste" and bool({"input", "constant"} & set(step["value"] or {}))


def skip_reason(step: dict, row: dict[str, str]) -> str | None:
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
    """One line for ``--dry-run``: what would happen, where (recorded text escaped)."""
    window = shown(action.window or "")
    where = f" in window /{window}/" if action.window else ""
    if action.skip:
        what, where = f"skip ({shown(action.skip)})", ""  # names a column of the file
    elif action.kind in ("focus", "wait_window"):
        what, where = f"{action.kind} /{window}/", ""
    elif "click" in action.kind or action.kind == "scroll":
        spot = repr(action.element) if action.element else f"at offset {action.offset}"
        amount = f" by {action.scroll}" if action.kind == "scroll" else ""
        what = f"{action.kind} {spot}{amount}"
    elif action.text is not None:
        what = f"type {action.text!r}"
    else:
        what = f"{action.kind} {action.keys}"
    return f"step {action.step:>3}: {what}{where}"


def quoted(text: str) -> str:
    """``'text'`` for a message, escaped as `shown` (repr would double the backslashes)."""
    return f"'{shown(text)}'"


def shown(text: str) -> str:
    """Text safe for a terminal: control and other unprintable characters as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


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
        unknown = quoted((bad or [key])[0])
        raise ReplayError(f"cannot press {quoted(keys)}: unknown key {unknown}")
    return mods, key


def ask_to_proceed(name: str, steps: int, runs: int, stdin: TextIO | None, out: TextIO) -> None:
    """Ask the person at the terminal before replay touches the desktop; refuse when
    nobody can answer (no terminal), and when the answer is not yes."""
    out.write(
        f"replay will act on this desktop: {steps} steps of {quoted(name)}, {runs} time(s). "
        f"Stop it at any time with {KILL_HOTKEY} or by pushing the mouse into a corner of "
        "the screen.\nGo ahead? [y/N] "
    )
    out.flush()
    if stdin is None or stdin.closed or not stdin.isatty():
        raise ReplayError(
            "replay wants a yes before it touches the desktop, and there is no terminal to ask",
            "run it again with --yes; nothing was replayed",
        )
    if stdin.readline().strip().lower() not in ("y", "yes"):
        raise ReplayError("replay cancelled", "nothing was replayed")


# -- running ---------------------------------------------------------------------------


def replay(
    workflow: dict[str, Any],
    rows: list[dict[str, str]],
    options: ReplayOptions,
    desktop: Desktop,
    on_run: Callable[[int, int], None] | None = None,
) -> int:
    """Perform the workflow once per row; return the number of runs.

    Everything is checked first (`check_replayable`). A step whose window or element does
    not appear within its timeout is tried ``options.retries`` more times, then replay
    stops with `TargetNotFoundError` naming the run and step and the screenshot it saved.
    """
    check_replayable(workflow, options.timeout_s)
    plans = [plan_run(workflow, row, options.timeout_s) for row in rows]
    for run, actions in enumerate(plans, start=1):
        for action in actions:
            if not action.skip:
                run_action(desktop, action, options, f"run {run}, step {action.step}")
        if on_run:
            on_run(run, len(rows))
    return len(rows)


def run_action(desktop: Desktop, action: Action, options: ReplayOptions, where: str) -> None:
    """Perform one action as replay does: retried when its target did not appear, then a
    screenshot and an error naming ``where``; a pause after it for the application."""
    try:
        _perform_with_retries(desktop, action, options.retries)
    except TargetNotFoundError as exc:
        name = where.replace(", ", "-").replace(" ", "")
        shot = desktop.screenshot(options.failure_dir / f"replay-failure-{name}.png")
        raise TargetNotFoundError(f"{where}: {exc.args[0]}; screenshot: {shot}") from exc
    except ReplayStopped as exc:
        raise ReplayStopped(f"{exc.args[0]} at {where}") from exc
    time.sleep(options.step_delay_s)


def _perform_with_retries(desktop: Desktop, action: Action, retries: int) -> None:
    for attempt in range(retries + 1):
        try:
            perform(desktop, action)
            return
        except TargetNotFoundError:
            if attempt == retries:
                raise


def perform(desktop: Desktop, action: Action) -> None:
    """One action: make sure its window is there and in front, then act in it."""
    window = _front_window(desktop, action) if action.window else None
    if action.kind in ("focus", "wait_window"):
        return
    if "click" in action.kind:
        x, y = _click_point(desktop, action, window)
        button = "right" if action.kind == "right_click" else "left"
        desktop.click(x, y, button, 2 if action.kind == "double_click" else 1)
    elif action.kind == "scroll":
        x, y = _scroll_point(desktop, action, window)
        dx, dy = action.scroll or DEFAULT_SCROLL
        desktop.scroll(x, y, dx, dy)
    elif action.text is not None:
        desktop.type(action.text)
    else:
        desktop.press(action.keys or "")


def _front_window(desktop: Desktop, action: Action) -> WindowInfo:
    pattern = _compile(action.window or "")
    window = _wait(lambda: _find(desktop.windows(), pattern), action.timeout_s)
    if window is None:
        raise TargetNotFoundError(
            f"no window whose title matches /{shown(pattern.pattern)}/ appeared within "
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
        f"element {quoted(action.element)} was not found in the window"
        if action.element
        else "the click has no window to be relative to"
    )


def _scroll_point(desktop: Desktop, action: Action, window: WindowInfo | None) -> tuple[int, int]:
    """Where to turn the wheel: on the element, at the recorded spot, else mid-window."""
    if action.element and window is not None:
        bounds = _wait(lambda: desktop.element_bounds(window, action.element), 0.5)
        if bounds:
            x, y, width, height = bounds
            return x + width // 2, y + height // 2
    if window is None:
        raise TargetNotFoundError("the scroll has no window to scroll in")
    if action.offset:
        return int(window.x + action.offset[0]), int(window.y + action.offset[1])
    return window.x + window.width // 2, window.y + window.height // 2


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
