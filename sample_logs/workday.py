"""One simulated user-day: working hours, breaks, routine executions, noise, interruptions.

The day is planned first (when each routine execution is due, when lunch and meetings
are), then walked with a clock: noise fills the time until the next execution is due, a
break starts once the current task is done. Each act advances the clock by a lognormal
think time. Events go straight into column lists (`Columns`) to stay fast at a million rows.
"""

from __future__ import annotations

import json
import math
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from random import Random
from typing import Any

from sample_logs.layout import widget_index
from sample_logs.noise import ACTIVITIES, CHAT, NOISE, Activity
from sample_logs.routines import ROUTINES, Routine
from sample_logs.screens import Screen, flavour_of, resolve
from sample_logs.steps import Act, expand

#: Median pause (seconds) before an event of each kind, before the act's own multiplier.
PAUSE = {
    "click": 3.5,
    "double_click": 3.8,
    "right_click": 2.0,
    "hotkey": 1.5,
    "copy": 1.2,
    "paste": 1.4,
    "scroll": 3.5,
    "focus": 1.8,
    "type": 1.4,
}
SECONDS_PER_CHAR = 0.28
IDLE_AFTER = 60.0  # the recorder reports `idle` after this long without input
P_ROUTINE_INTERRUPT = 0.12  # an execution is paused by another routine and resumed
P_CHAT_INTERRUPT = 0.15  # ... or by a chat message
ALT_TAB = "switches windows with alt+tab (rather than the taskbar)"
P_TYPING_PAUSE = 0.3  # a longer text is typed in two bursts, with a pause to think
P_TYPO = 0.1  # a burst with one to three corrected typos
P_PRIVATE_PAUSE = 0.3  # a day on which the user pauses the recorder once (a private errand)
#: Events the recorder takes a screenshot with (recorder/session.py).
SHOT_KINDS = frozenset(
    {"click", "double_click", "right_click", "focus", "hotkey", "copy", "paste", "cut"}
)
AWAY = 120.0  # median time off the keyboard between two bits of noise (phone, paper, thought)

EVENT_COLUMNS = (
    "ts", "kind", "app", "window_title", "url", "element_id", "element_name",
    "element_role", "element_label", "x", "y", "text", "attrs", "truth_process",
    "truth_instance", "shot",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Profile:
    """One simulated employee: identity, habits and how often they do each routine."""

    user_id: str
    first: str
    last: str
    email: str
    flavour: str  # mail client: outlook | thunderbird
    speed: float  # multiplies every pause
    habits: dict[str, float]  # see `steps.CLICKS` and friends; ALT_TAB for window switches
    rates: dict[str, float]  # routine name → mean executions per day
    host: str


@dataclass
class Columns:
    """Event columns being filled; ``shot`` indexes `ShotKeys` (-1: no screenshot)."""

    data: dict[str, list] = field(default_factory=lambda: {c: [] for c in EVENT_COLUMNS})

    def __len__(self) -> int:
        return len(self.data["ts"])


@dataclass
class ShotKeys:
    """Distinct screen states (screen, mail flavour, active element), each rendered once."""

    ids: dict[tuple[str, str, str | None], int] = field(default_factory=dict)

    def of(self, screen: str, flavour: str, element: str | None) -> int:
        return self.ids.setdefault((screen, flavour, element), len(self.ids))


def poisson(rng: Random, mean: float) -> int:
    """Knuth's method: fine for the small means of executions per day."""
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


class Day:
    """The clock and the current window of one user-day, and the events it emits."""

    def __init__(
        self,
        profile: Profile,
        day: date,
        session_id: str,
        rng: Random,
        cols: Columns,
        shots: ShotKeys,
    ) -> None:
        self.profile, self.rng, self.cols, self.shots = profile, rng, cols, shots
        self.session_id = session_id
        self.midnight_us = (day - date(1970, 1, 1)).days * 86_400_000_000
        self.day = day
        self.clock = 0.0
        self.window: tuple[str, Screen, str, str | None] | None = None  # key, screen, title, url
        self.instances = 0
        iso = day.isocalendar()
        self.context = {
            "me_email": profile.email,
            "me_last": profile.last,
            "week": f"W{iso.week:02d}",
            "month_tag": f"{day:%Y-%m}",
        }
        self.screens: dict[str, Screen] = {}

    # -- low level ------------------------------------------------------------------------

    def _append(
        self,
        kind: str,
        process: str,
        instance: str | None,
        screen: Screen | None = None,
        title: str | None = None,
        url: str | None = None,
        *,
        element: tuple[str | None, str | None, str | None, str | None] = (None,) * 4,
        xy: tuple[int | None, int | None] = (None, None),
        text: str | None = None,
        shot: int = -1,
        attrs: str | None = None,
    ) -> None:
        """Append one event; ``element`` is (id, name, role, label)."""
        d = self.cols.data
        d["ts"].append(self.midnight_us + int(self.clock * 1e6))
        d["kind"].append(kind)
        d["app"].append(screen.app if screen else None)
        d["window_title"].append(title)
        d["url"].append(url)
        d["element_id"].append(element[0])
        d["element_name"].append(element[1])
        d["element_role"].append(element[2])
        d["element_label"].append(element[3])
        d["x"].append(xy[0])
        d["y"].append(xy[1])
        d["text"].append(text)
        d["attrs"].append(attrs)
        d["truth_process"].append(process)
        d["truth_instance"].append(instance)
        d["shot"].append(shot)

    def pause(self, median: float) -> None:
        """Advance the clock; a pause longer than `IDLE_AFTER` is reported as ``idle``."""
        seconds = median * self.profile.speed * self.rng.lognormvariate(0.0, 0.5)
        if seconds > IDLE_AFTER:
            self.rest(seconds)
        else:
            self.clock += seconds

    def rest(self, seconds: float) -> None:
        """Time off the keyboard. Like the recorder, once `IDLE_AFTER` has passed, report
        ``idle`` at the last input, in the last window, with the whole duration."""
        window = self.window[1:] if self.window else ()
        attrs = json.dumps({"duration_s": round(float(seconds), 1)})
        self._append("idle", NOISE, None, *window, attrs=attrs)
        self.clock += seconds

    def take_break(self, seconds: float, private: bool) -> None:
        """A break; a private one is not recorded at all: the user pauses the recorder
        (a ``paused`` event, as its hotkey gives) and the next input re-announces its window."""
        if not private:
            self.rest(seconds)
            return
        self.pause(PAUSE["hotkey"])
        self._append("paused", NOISE, None, attrs=json.dumps({"by": "hotkey"}))
        self.clock += seconds
        self.window = None

    def shot(self, screen: str, kind: str, element: str | None) -> int:
        """The screen state a screenshot of this event shows, if the recorder takes one."""
        if kind not in SHOT_KINDS:
            return -1
        return self.shots.of(screen, flavour_of(screen, self.profile.flavour), element)

    def screen(self, key: str) -> Screen:
        found = self.screens.get(key)
        if found is None:
            found = self.screens[key] = resolve(key, self.profile.flavour)
        return found

    def emit(self, act: Act, data: dict[str, str], process: str, instance: str | None) -> None:
        """Emit ``act`` (after a focus event if it happens in another window)."""
        screen = self.screen(act.screen)
        title = screen.title.format_map(data) if "{" in screen.title else screen.title
        url = screen.url.format_map(data) if screen.url and "{" in screen.url else screen.url
        if self.window is None or (self.window[1].app, self.window[2]) != (screen.app, title):
            self.switch_to(act.screen, screen, title, url, process, instance)
        self.pause(PAUSE.get(act.kind, 1.0) * act.think)
        element, xy, el_id = None, (None, None), None
        if act.element is not None:
            element = act.element.format_map(data) if "{" in act.element else act.element
            slot, (cx, cy) = widget_index()[(act.screen, act.element)]
            rand = self.rng.random  # cheaper than randint, and this runs for most events
            xy = (cx + int(rand() * 19) - 9, cy + int(rand() * 11) - 5)
            el_id = f"{act.role}-{slot}"
        label = act.label.format_map(data) if act.label and "{" in act.label else act.label
        text = act.text.format_map(data) if act.text and "{" in act.text else act.text
        where = (process, instance, screen, title, url)
        common = {
            "element": (el_id, element, act.role, label),
            "xy": xy,
            "shot": self.shot(act.screen, act.kind, act.element),
        }
        if act.kind == "type":
            self.type_text(text, where, common)
        else:
            attrs = self.scroll_attrs() if act.kind == "scroll" else None
            self._append(act.kind, *where, text=text, attrs=attrs, **common)

    def switch_to(
        self,
        key: str,
        screen: Screen,
        title: str,
        url: str | None,
        process: str,
        instance: str | None,
    ) -> None:
        """Bring another window to the front: a ``focus`` event, sometimes after alt+tab."""
        if self.window is not None and self.rng.random() < self.profile.habits[ALT_TAB]:
            self.pause(PAUSE["hotkey"])
            shot = self.shot(self.window[0], "hotkey", None)
            self._append("hotkey", process, instance, *self.window[1:], text="alt+tab", shot=shot)
        self.pause(PAUSE["focus"])
        shot = self.shot(key, "focus", None)
        self._append("focus", process, instance, screen, title, url, shot=shot)
        self.window = (key, screen, title, url)

    def type_text(self, text: str, where: tuple, common: dict[str, Any]) -> None:
        """Type ``text`` as the recorder sees it: one ``type`` event per burst, stamped at
        its first key; a pause of over 2 s mid-text (the recorder's gap) splits it."""
        bursts = [text]
        if len(text) > 25 and self.rng.random() < P_TYPING_PAUSE:
            cut = text.find(" ", len(text) // 2)
            bursts = [text[: cut + 1], text[cut + 1 :]] if 0 < cut < len(text) - 1 else bursts
        for i, burst in enumerate(bursts):
            if i:
                self.clock += self.rng.uniform(2.2, 8.0)
            edits = int(self.rng.random() < P_TYPO) * self.rng.randint(1, 3)
            self._append("type", *where, text=burst, attrs=_typing_attrs(burst, edits), **common)
            per_char = SECONDS_PER_CHAR * self.profile.speed * self.rng.lognormvariate(0.0, 0.2)
            self.clock += per_char * (len(burst) + 2 * edits)

    def scroll_attrs(self) -> str:
        """The wheel steps the recorder sums over one scroll gesture (mostly downwards)."""
        return json.dumps({"dx": 0, "dy": -self.rng.randint(1, 12)}, sort_keys=True)

    # -- tasks ----------------------------------------------------------------------------

    def new_instance(self) -> str:
        self.instances += 1
        return f"{self.session_id}#{self.instances:03d}"

    def run_activity(self, activity: Activity) -> None:
        for _ in range(self.rng.randint(*activity.repeat)):
            data = self.context | activity.data(self.rng, self.day)
            for act in expand(activity.body, self.rng, self.profile.habits):
                self.emit(act, data, NOISE, None)

    def run_routine(self, routine: Routine, queue: deque[tuple[float, Routine]]) -> None:
        """One execution, possibly paused by another routine or a chat, then resumed."""
        data = self.context | routine.data(self.rng, self.day)
        instance = self.new_instance()
        acts = expand(routine.body, self.rng, self.profile.habits)
        cuts = _clipboard_free(acts)[3:-2]
        cut = self.rng.choice(cuts) if len(acts) >= 8 and cuts else None
        draw = self.rng.random()
        for i, act in enumerate(acts):
            if i == cut and draw < P_ROUTINE_INTERRUPT:
                other = next((q for q in queue if q[1].interrupts and q[1] is not routine), None)
                if other is not None:
                    queue.remove(other)
                    self.run_routine(other[1], deque())
            elif i == cut and draw < P_ROUTINE_INTERRUPT + P_CHAT_INTERRUPT:
                self.run_activity(CHAT)
            self.emit(act, data, routine.name, instance)


def _typing_attrs(text: str, edits: int) -> str:
    """What the recorder notes about a burst of typing, even where it may not keep the text:
    keys pressed (a typo costs a wrong key and a backspace), length, kinds of characters."""
    chars = set(text)
    classes = {
        "lower": any(c.islower() for c in chars),
        "upper": any(c.isupper() for c in chars),
        "digit": any(c.isdigit() for c in chars),
        "space": any(c.isspace() for c in chars),
        "punct": any(not c.isalnum() and not c.isspace() for c in chars),
    }
    attrs = {
        "classes": [k for k, v in classes.items() if v],
        "keys": len(text) + 2 * edits,
        "length": len(text),
    }
    if edits:
        attrs["edits"] = edits
    return json.dumps(attrs, sort_keys=True)


def _clipboard_free(acts: list[Act]) -> list[int]:
    """Positions where no copied value waits to be pasted: a task may be paused there
    without the interruption overwriting the clipboard."""
    free, pending = [], 0
    for i, act in enumerate(acts):
        if pending == 0:
            free.append(i)
        pending += (act.kind == "copy") - (act.kind == "paste")
    return free


def simulate_day(
    profile: Profile, day: date, session_id: str, rng: Random, cols: Columns, shots: ShotKeys
) -> None:
    """Append one working day of ``profile``'s events to ``cols``."""
    sim = Day(profile, day, session_id, rng, cols, shots)
    start = 7 * 3600 + rng.uniform(0, 5400)
    end = start + 8.4 * 3600 + rng.gauss(0, 1200)
    breaks = sorted(_breaks(rng, start, end), reverse=True)  # popped from the end
    plan = sorted(
        ((rng.uniform(start, end - 1200), routine)
         for routine in ROUTINES
         for _ in range(poisson(rng, profile.rates[routine.name]))),
        key=lambda due: due[0],
    )  # fmt: skip
    queue = deque(plan)
    sim.clock = start
    weights = [a.weight for a in ACTIVITIES]

    def break_due() -> bool:
        if breaks and breaks[-1][0] <= sim.clock:
            sim.take_break(*breaks.pop()[1:])
            return True
        return False

    def work_until(until: float) -> None:
        while sim.clock < until - 20:
            if not break_due():
                sim.run_activity(rng.choices(ACTIVITIES, weights)[0])
                sim.pause(AWAY)

    while queue:
        due, routine = queue.popleft()
        work_until(due)
        break_due()
        sim.run_routine(routine, queue)
    work_until(end)


def _breaks(rng: Random, start: float, end: float) -> list[tuple[float, float, bool]]:
    """(start, seconds, private) of lunch, meetings, coffee breaks and private errands."""
    out = [(rng.uniform(11.75, 12.75) * 3600, rng.uniform(1800, 3300), False)]
    out += [(rng.uniform(start + 1800, end - 3600), rng.choice((1800, 2700, 3600)), False)
            for _ in range(poisson(rng, 0.8))]  # fmt: skip
    out += [(rng.uniform(start, end), rng.uniform(300, 900), False)
            for _ in range(rng.randint(1, 2))]  # fmt: skip
    if rng.random() < P_PRIVATE_PAUSE:
        out.append((rng.uniform(start, end), rng.uniform(300, 1200), True))
    return out
