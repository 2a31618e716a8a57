"""Building unsegmented logs from routine designs: one person's (or two people's) stream.

A stream plays instances back to back in a random order. Some logs are noisy (bursts of
mail, news, chat between and inside instances); in some, an instance is paused by another
one and resumed (never inside a step, so never between a copy and its paste). Two users'
streams are written one after the other, as merged per-user recordings are.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

from sample_logs.families.events import UiEvent
from sample_logs.families.noise import noise_burst
from sample_logs.families.routine import Routine, Step, slug
from sample_logs.families.timing import Tempo

NOISE = "__noise__"


@dataclass(frozen=True)
class Disturbance:
    """How a log departs from clean back-to-back work."""

    noise_between: float = 0.0  # chance of a noise burst between two instances
    noise_inside: float = 0.0  # chance of a burst between two steps of an instance
    interrupt: float = 0.0  # chance an instance is paused by the next one
    clicks_only: bool = False  # noise as bare clicks (a click-stream recorder)
    setup: float = 0.5  # chance the recording starts with opening files and signing in

    @classmethod
    def draw(cls, rng: Random, noisy: float, interleaved: float, clicks_only: bool) -> Disturbance:
        noise = rng.random() < noisy
        return cls(
            noise_between=rng.uniform(0.15, 0.4) if noise else 0.0,
            noise_inside=rng.uniform(0.01, 0.04) if noise else 0.0,
            interrupt=rng.uniform(0.04, 0.12) if rng.random() < interleaved else 0.0,
            clicks_only=clicks_only,
        )


@dataclass(frozen=True)
class Played:
    """One event of a stream with its time and ground truth."""

    ts: datetime
    event: UiEvent
    task: str
    idx: str  # "" for noise


def play_stream(
    rng: Random,
    routines: list[Routine],
    order: list[int],
    start: datetime,
    tempo: Tempo,
    disturbance: Disturbance,
) -> list[Played]:
    """One person doing instances of ``routines`` in ``order`` (indices into ``routines``)."""
    counts = [0] * len(routines)
    queue: deque[tuple[str, str, list[Step]]] = deque()
    for i in order:
        routine = routines[i]
        n = counts[i]
        counts[i] += 1
        queue.append((routine.name, f"{slug(routine.name)}-{n}", routine.perform(rng, n)))
    stream = _Stream(rng, tempo, start)
    if rng.random() < disturbance.setup:
        for routine in rng.sample(routines, len(routines)):
            stream.noise(routine.setup())
    while queue:
        task, idx, steps = queue.popleft()
        stream.pause(tempo.between(rng))
        if rng.random() < disturbance.noise_between:
            stream.noise(noise_burst(rng, disturbance.clicks_only))
        cut = rng.randrange(1, len(steps)) if len(steps) > 2 else 0
        if not (queue and cut and rng.random() < disturbance.interrupt):
            cut = len(steps)
        _play_steps(stream, steps[:cut], task, idx, disturbance)
        if cut < len(steps):  # paused: the next instance is done whole, then this one resumes
            other_task, other_idx, other_steps = queue.popleft()
            stream.pause(tempo.between(rng))
            _play_steps(stream, other_steps, other_task, other_idx, disturbance)
            stream.pause(tempo.between(rng))
            _play_steps(stream, steps[cut:], task, idx, disturbance)
    return stream.played


def _play_steps(stream: _Stream, steps: list[Step], task: str, idx: str, d: Disturbance) -> None:
    for i, step in enumerate(steps):
        if i and stream.rng.random() < d.noise_inside:
            stream.noise(noise_burst(stream.rng, d.clicks_only))
        for event in step:
            stream.add(event, task, idx)


class _Stream:
    """A clock and the events played so far."""

    def __init__(self, rng: Random, tempo: Tempo, start: datetime) -> None:
        self.rng, self.tempo, self.now = rng, tempo, start
        self.played: list[Played] = []

    def pause(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def add(self, event: UiEvent, task: str, idx: str) -> None:
        self.now += timedelta(seconds=self.tempo.gap(self.rng, event))
        self.played.append(Played(self.now, event, task, idx))

    def noise(self, burst: Step) -> None:
        for event in burst:
            self.add(event, NOISE, "")  # the log numbers its noise rows (`generate._log`)
