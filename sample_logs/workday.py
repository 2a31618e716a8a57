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

from sample_logs.layout import widget_index, widgets
from sample_logs.noise import ACTIVITIES, CHAT, NOISE, Activity
from sample_logs.routines import ROUTINES, Routine
from sample_logs.screens import Screen, resolve
from sample_logs.steps import Act, expand

#: Median pause (seconds) before an event of each kind, before the act's own multiplier.
PAUSE = {
    "click": 3.5,
    "double_click": 3.8,
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
    """Distinct (screen, active element) pairs seen, each of which gets one rendering."""

    ids: dict[tuple[str, str | None], int] = field(default_factory=dict)

    def of(self, screen: str, element: str | None) -> int:
        return self.ids.setdefault((screen, element), len(self.ids))


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
        self.window: tuple[Screen, str, str | None] | None = None  # screen, title, url
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
        self.clock += IDLE_AFTER
        attrs = json.dumps({"idle_seconds": round(seconds - IDLE_AFTER)})
        self._append("idle", NOISE, None, attrs=attrs)
        self.clock += seconds - IDLE_AFTER

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
        if self.window is None or (self.window[0].app, self.window[1]) != (screen.app, title):
            if self.window is not None and self.rng.random() < self.profile.habits[ALT_TAB]:
                self.pause(PAUSE["hotkey"])
                self._append("hotkey", process, instance, *self.window, text="alt+tab")
            self.pause(PAUSE["focus"])
            shot = self.shots.of(act.screen + "@" + self.profile.flavour, None)
            self._append("focus", process, instance, screen, title, url, shot=shot)
            self.window = (screen, title, url)
        text = act.text.format_map(data) if act.text and "{" in act.text else act.text
        median = PAUSE.get(act.kind, 1.0) * act.think
        if act.kind == "type":
            median += SECONDS_PER_CHAR * len(text)
        self.pause(median)
        element, xy, el_id = None, (None, None), None
        if act.element is not None:
            element = act.element.format_map(data) if "{" in act.element else act.element
            slot = widget_index()[(act.screen, act.element)]
            cx, cy = widgets()[act.screen][slot].centre
            xy = (cx + self.rng.randint(-9, 9), cy + self.rng.randint(-5, 5))
            el_id = f"{act.role}-{slot}"
        label = act.label.format_map(data) if act.label and "{" in act.label else act.label
        shot = self.shots.of(act.screen + "@" + self.profile.flavour, act.element)
        self._append(
            act.kind, process, instance, screen, title, url,
            element=(el_id, element, act.role, label), xy=xy, text=text, shot=shot,
        )  # fmt: skip

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

    def work_until(until: float) -> None:
        while sim.clock < until - 20:
            if breaks and breaks[-1][0] <= sim.clock:
                sim.rest(breaks.pop()[1])
            else:
                sim.run_activity(rng.choices(ACTIVITIES, weights)[0])
                sim.pause(AWAY)

    while queue:
        due, routine = queue.popleft()
        work_until(due)
        if breaks and breaks[-1][0] <= sim.clock:
            sim.rest(breaks.pop()[1])
        sim.run_routine(routine, queue)
    work_until(end)


def _breaks(rng: Random, start: float, end: float) -> list[tuple[float, float]]:
    """(start, seconds) of lunch, meetings and coffee breaks."""
    out = [(rng.uniform(11.75, 12.75) * 3600, rng.uniform(1800, 3300))]
    out += [(rng.uniform(start + 1800, end - 3600), rng.choice((1800, 2700, 3600)))
            for _ in range(poisson(rng, 0.8))]  # fmt: skip
    out += [(rng.uniform(start, end), rng.uniform(300, 900)) for _ in range(rng.randint(1, 2))]
    return out
