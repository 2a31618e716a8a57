"""Blind families: logs built from behaviour designed apart from the tuned families.

Issue 10 asks whether mining generalises or fits the five families it was tuned on, which
were written by the person who tuned it. ``request_wizard``, ``sheet_to_portal`` and
``fiori_inbox`` were designed independently (see their modules); they write the same
Action Logger / SmartRPA columns and truth files (`generate.assemble_log`,
`generate.write_uilog`) but are played by their own stream player, with habits the tuned
families lack:

- batches: several instances' steps interleaved (open five items, then approve them all;
  enter four rows, then mark them done), see `work.Work` for what the truth says then;
- requests left as drafts and finished after other work;
- sittings that end (a meeting, the end of the day): the next one, hours later, starts by
  opening the tools again (the workbook is re-opened mid-log; noise, as any set-up); a
  lunch break; pauses from none to minutes;
- the routine's own screens visited without doing an instance (noise on the same pages);
- recorder artefacts: duplicated events a few ms apart, and the ``changeField`` of a field
  left by a click stamped with (and written after) that click, up to ~20 ms earlier or
  later, so the file's row order and its timestamps disagree by a few ms.

Ground truth: every row has the Task of its routine and the idx of its instance, or
``__noise__`` and an idx of its own. Seeds 0-99 are for development; from 1000 held out.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from random import Random

from sample_logs.errors import SimulationError
from sample_logs.families.events import UiEvent
from sample_logs.families.generate import UiLog, assemble_log, choose_layout
from sample_logs.families.inbox import APPS, FioriInbox, draw_fiori_inbox
from sample_logs.families.logs import NOISE, Played
from sample_logs.families.noise import noise_burst
from sample_logs.families.portal import draw_sheet_to_portal
from sample_logs.families.routine import Step, slug
from sample_logs.families.wizard import draw_request_wizard
from sample_logs.families.work import BatchRoutine, Work

BLIND_FAMILIES: dict[str, Callable[[Random], BatchRoutine]] = {
    "request_wizard": draw_request_wizard,
    "sheet_to_portal": draw_sheet_to_portal,
    "fiori_inbox": draw_fiori_inbox,
}
#: Median seconds before an event, by its pause kind; ``key`` is per keystroke.
MEDIANS = {"click": 1.1, "look": 2.6, "switch": 1.7, "load": 1.5, "blur": 0.3, "dialog": 7.0}
CLICKS = ("clickTextField", "clickButton", "clickLink", "clickCheckboxButton", "selectOptions")


def draw_blind_routine(family: str, seed: int | str) -> BatchRoutine:
    """The routine design of blind ``family`` for ``seed``."""
    if family not in BLIND_FAMILIES:
        raise SimulationError(
            f"unknown blind family {family!r}", f"choose one of {', '.join(BLIND_FAMILIES)}"
        )
    return BLIND_FAMILIES[family](Random(f"blind-design/{family}/{seed}"))


def blind_single_log(
    family: str, seed: int, layout: str | None = None, instances: int | None = None
) -> UiLog:
    """One person doing one blind-family routine 30-100 times (or ``instances`` times),
    unsegmented."""
    rng = Random(f"blind-single/{family}/{seed}")
    routine = draw_blind_routine(family, seed)
    layout = _layout(rng, [routine], layout)
    player = _Player(rng, [routine], Person.draw(rng))
    drawn = rng.randint(30, 100)  # (drawn either way: the rest of the log stays the same)
    stream = player.play([drawn if instances is None else instances])
    return assemble_log(rng, f"{family}-single-{seed}", "single", [routine], layout, [stream])


def blind_multi_log(seed: int, layout: str | None = None) -> UiLog:
    """3-4 blind routines of at least two families (a family may come twice, as two
    different routines), 100-250 instances; one or two people. Even seeds are office work
    only (wizard and portal routines); odd seeds have a Fiori inbox routine as well."""
    rng = Random(f"blind-multi/{seed}")
    routines: list[BatchRoutine] = []
    # even seeds: office work only; odd seeds: a Fiori routine too (a click recorder's log)
    pool = sorted(BLIND_FAMILIES) if seed % 2 else ["request_wizard", "sheet_to_portal"]
    families = rng.sample(pool, 2)  # at least two families
    families += rng.choices(pool, k=rng.randint(1, 2))
    for i, family in enumerate(families):
        routine = draw_blind_routine(family, f"multi-{seed}-{i}")
        while routine.name in {r.name for r in routines}:
            routine = draw_blind_routine(family, f"multi-{seed}-{i}-{rng.randrange(10**6)}")
        routines.append(routine)
    return _several(rng, f"blind_multi-{seed}", routines, layout)


def blind_fiori_log(seed: int, layout: str | None = None) -> UiLog:
    """3-4 apps of one Fiori launchpad (each a `inbox.FioriInbox` routine of its own
    app), recorded by one click recorder (one target encoding), 100-250 instances; one or
    two people. The apps' controls are alike (list, Approve, the dialog's Submit) but
    their views' ids and pages carry the app; a person changes app through the launchpad
    (home, then the app's tile: set-up, noise in the truth). A recorder in the browser
    (XPaths or ids) logs the launchpad's address, whose route names the app, in the
    logs of odd seeds."""
    rng = Random(f"blind-fiori/{seed}")
    # odd seeds, drawn apart so that the logs without addresses stay as they were
    host = Random(f"blind-fiori-address/{seed}").choice(
        ("fiori.example.com", "s4.acme.example", "erp.contoso.example:44300")
    )
    launchpad = f"https://{host}/sap/bc/ui2/flp" if seed % 2 else ""
    apps = rng.sample(sorted(APPS), rng.randint(3, 4))
    # one launchpad: each app's tile in a column of its own, with an id of its own
    tiles = Random(f"blind-fiori-tiles/{seed}")
    columns = tiles.sample(range(7), len(apps))
    routines: list[FioriInbox] = []
    for i, app in enumerate(apps):
        drawn = draw_fiori_inbox(Random(f"blind-design/fiori_multi/{seed}/{i}"))
        encoding = routines[0].encoding if routines else drawn.encoding
        id_base = drawn.id_base
        while id_base % 50 in {r.id_base % 50 for r in routines}:
            id_base += 1
        routines.append(
            replace(
                drawn,
                name=f"fiori_inbox: {app}",
                app=app,
                tabs=APPS[app][1],
                encoding=encoding,
                tile=(80 + 200 * columns[i] + tiles.randint(0, 100), drawn.tile[1]),
                id_base=id_base,
                app_index=i,
                launchpad=launchpad if encoding != "xy" else "",
            )
        )
    return _several(rng, f"fiori_multi-{seed}", routines, layout, launch_on_switch=True)


def _several(
    rng: Random,
    name: str,
    routines: list[BatchRoutine],
    layout: str | None,
    launch_on_switch: bool = False,
) -> UiLog:
    """A multi-routine log of ``routines``: 100-250 instances, one or two people."""
    layout = _layout(rng, routines, layout)
    total = rng.randint(100, 250)
    shares = [rng.uniform(0.5, 2.0) for _ in routines]
    targets = [max(4, round(total * s / sum(shares))) for s in shares]
    people = rng.choice((1, 1, 2))
    streams = []
    for p in range(people):
        mine = [t // people + (p == 0) * (t % people) for t in targets]
        player = _Player(rng, routines, Person.draw(rng), launch_on_switch)
        streams.append(player.play(mine))
    return assemble_log(rng, name, "multi", routines, layout, streams)


def _layout(rng: Random, routines: list[BatchRoutine], wanted: str | None) -> str:
    return choose_layout(rng, any(r.needs_smartrpa() for r in routines), wanted)


@dataclass(frozen=True)
class Person:
    """How one person paces work and what their recorder adds; drawn per stream."""

    speed: float
    key_seconds: float
    think: float  # chance of a few seconds' thought before an event
    long_pause: float  # chance of minutes away (a call, a colleague) before an event
    no_break: float  # chance the next unit follows with no pause at all
    noise_between: float
    noise_inside: float
    own_screens: float  # share of noise that is the routine's own screens
    interrupt: float  # chance a unit is left half-done for the next one
    sticky: float  # chance the next unit is of the same routine (multi logs)
    duplicate: float  # recorder: chance an event is logged twice
    late_change: float  # recorder: chance a change is stamped with the click that fired it
    sitting_minutes: int  # how long the person works at a stretch before leaving the desk

    @classmethod
    def draw(cls, rng: Random) -> Person:
        noisy = rng.random() < 0.6
        return cls(
            speed=rng.uniform(0.6, 1.6),
            key_seconds=rng.uniform(0.11, 0.3),
            think=rng.uniform(0.02, 0.12),
            long_pause=rng.choice((0.0, 0.003, 0.01)),
            no_break=rng.uniform(0.1, 0.6),
            noise_between=rng.uniform(0.1, 0.45) if noisy else 0.0,
            noise_inside=rng.uniform(0.0, 0.04) if noisy else 0.0,
            own_screens=rng.uniform(0.2, 0.7),
            interrupt=rng.choice((0.0, 0.0, 0.05, 0.1)),
            sticky=rng.uniform(0.3, 0.8),
            duplicate=rng.choice((0.0, 0.01, 0.03)),
            late_change=rng.choice((0.0, 0.5, 0.95)),
            sitting_minutes=rng.randint(20, 150),
        )

    def gap(self, rng: Random, event: UiEvent) -> float:
        if event.pause == "key":
            seconds = rng.lognormvariate(math.log(self.key_seconds), 0.45)
        elif event.pause == "type":
            seconds = rng.lognormvariate(math.log(0.5 + self.key_seconds * len(event.value)), 0.4)
        else:
            sigma = 0.9 if event.pause in ("look", "dialog") else 0.6
            seconds = rng.lognormvariate(math.log(MEDIANS.get(event.pause, 1.1)), sigma)
        seconds *= self.speed
        if rng.random() < self.think:
            seconds += rng.expovariate(1 / 9)
        if rng.random() < self.long_pause:
            seconds += rng.uniform(60, 900)
        return seconds + event.think

    def between(self, rng: Random) -> float:
        if rng.random() < self.no_break:
            return 0.0
        return rng.lognormvariate(math.log(8.0), 1.3)


class _Player:
    """One person's stream: units of the routines, pauses, days, noise, left instances."""

    def __init__(
        self,
        rng: Random,
        routines: list[BatchRoutine],
        person: Person,
        launch_on_switch: bool = False,
    ) -> None:
        self.rng, self.routines, self.person = rng, routines, person
        self.launch_on_switch = launch_on_switch  # another routine is opened first
        self.shown: int | None = None  # the routine on screen, where they share one window
        self.now = datetime(2026, 3, 2, 8, 0) + timedelta(
            days=rng.randrange(60), minutes=rng.randrange(90)
        )
        self.sitting_end = self.now + timedelta(minutes=person.sitting_minutes)
        self.lunch = self.now + timedelta(minutes=rng.randint(90, 240))
        self.played: list[Played] = []

    def play(self, targets: list[int]) -> list[Played]:
        rng, person = self.rng, self.person
        done = [0] * len(self.routines)
        left: list[tuple[int, int, list[tuple[str, Step]]]] = []  # (units to wait, routine, rest)
        current = None
        if rng.random() < 0.7:
            self._setup()
        while any(d < t for d, t in zip(done, targets, strict=True)):
            i = self._next(current, done, targets)
            routine = self.routines[i]
            self._show(i)
            current = i
            unit = routine.work(rng, done[i], targets[i] - done[i])
            steps = self._owned(routine, unit, done[i])
            done[i] += unit.instances
            self._between(i)
            cut = unit.leave_after
            if cut is None and rng.random() < person.interrupt and len(steps) > 2:
                cut = rng.randrange(1, len(steps) - 1)
            self._steps(routine.name, steps if cut is None else steps[: cut + 1])
            left = [(wait - 1, task, rest) for wait, task, rest in left]
            for _, k, rest in [x for x in left if x[0] < 0]:
                self._resume(k, rest)
            left = [x for x in left if x[0] >= 0]
            if cut is not None:
                left.append((rng.randint(0, 2), i, steps[cut + 1 :]))
        for _, k, rest in left:
            self._resume(k, rest)
        return _artefacts(rng, self.person, self.played)

    def _show(self, i: int) -> None:
        """Where routines share one window, another one is opened through its tile."""
        if self.launch_on_switch and self.shown not in (None, i):
            self._events(NOISE, "", self.routines[i].setup(self.rng))
        self.shown = i

    def _resume(self, i: int, rest: list[tuple[str, Step]]) -> None:
        """The rest of a unit left half-done, taken up again after a pause."""
        self._pause(self.person.between(self.rng))
        self._show(i)
        self._steps(self.routines[i].name, rest)

    def _next(self, current: int | None, done: list[int], targets: list[int]) -> int:
        open_ = [i for i, (d, t) in enumerate(zip(done, targets, strict=True)) if d < t]
        if current in open_ and self.rng.random() < self.person.sticky:
            return current
        return self.rng.choices(open_, weights=[targets[i] - done[i] for i in open_])[0]

    def _owned(self, routine: BatchRoutine, unit: Work, first: int) -> list[tuple[str, Step]]:
        """Each step with its idx (``""``: noise)."""
        base = slug(routine.name)
        return [
            ("" if owner < 0 else f"{base}-{first + owner}", step) for owner, step in unit.steps
        ]

    def _between(self, current: int) -> None:
        rng, person = self.rng, self.person
        self._pause(person.between(rng))
        if self.now > self.lunch:
            self._pause(rng.uniform(1800, 3600))
            self.lunch += timedelta(days=1)
        if self.now > self.sitting_end:  # back hours later, or the next morning: tools opened again
            back = self.now + timedelta(hours=rng.uniform(1, 5))
            if back.hour >= 17:
                back = (back + timedelta(days=1)).replace(hour=8, minute=rng.randrange(60))
                self.lunch = back + timedelta(minutes=rng.randint(90, 240))
            self.now = back
            self.sitting_end = back + timedelta(minutes=person.sitting_minutes)
            self._setup(current)
        if rng.random() < person.noise_between:
            self._noise(self.routines[current])

    def _setup(self, ahead: int | None = None) -> None:
        """Every routine's tools opened again, in any order; where they share one window
        (a launchpad's apps) the one worked in next is opened last, as it is on screen."""
        order = self.rng.sample(range(len(self.routines)), len(self.routines))
        if self.launch_on_switch:
            if ahead is not None:
                order = [k for k in order if k != ahead] + [ahead]
            self.shown = order[-1]
        for k in order:
            self._events(NOISE, "", self.routines[k].setup(self.rng))

    def _noise(self, routine: BatchRoutine) -> None:
        if self.rng.random() < self.person.own_screens:
            self._events(NOISE, "", routine.distraction(self.rng))
        else:
            self._events(NOISE, "", noise_burst(self.rng, routine.needs_smartrpa()))

    def _steps(self, task: str, steps: list[tuple[str, Step]]) -> None:
        routine = next(r for r in self.routines if r.name == task)
        for k, (idx, step) in enumerate(steps):
            if k and self.rng.random() < self.person.noise_inside:
                self._noise(routine)
            self._events(task if idx else NOISE, idx, step)

    def _events(self, task: str, idx: str, events: Step) -> None:
        for event in events:
            self._pause(self.person.gap(self.rng, event))
            self.played.append(Played(self.now, event, task, idx))

    def _pause(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _artefacts(rng: Random, person: Person, played: list[Played]) -> list[Played]:
    """What the recorder adds: duplicates, and late ``changeField`` rows (module docstring)."""
    out: list[Played] = []
    i = 0
    while i < len(played):
        event = played[i]
        after = played[i + 1] if i + 1 < len(played) else None
        if (
            after is not None
            and event.event.kind == "changeField"
            and after.event.kind in CLICKS
            and (after.task, after.idx) == (event.task, event.idx)
            and rng.random() < person.late_change
        ):
            skew = timedelta(milliseconds=rng.randint(-20, 20))
            out += [after, replace(event, ts=after.ts + skew)]
            i += 2
            continue
        out.append(event)
        if rng.random() < person.duplicate:
            out.append(replace(event, ts=event.ts + timedelta(milliseconds=rng.randint(0, 30))))
        i += 1
    return out
