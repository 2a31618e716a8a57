"""Human timing: lognormal gaps by kind of action, thinking pauses, breaks between instances.

Medians are seconds before an event: a click after a click is quick, reading a cell or a
page slower, typing takes time per character, a page load or an app switch a little more.
Now and then a person stops to think (seconds), and rarely for minutes (a phone call),
inside an instance as well as between instances; between instances there is sometimes no
pause at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from random import Random

from sample_logs.families.events import UiEvent

MEDIANS = {"click": 1.4, "look": 2.2, "switch": 2.0, "load": 2.8}
SIGMA = 0.55
SECONDS_PER_CHAR = 0.22


@dataclass(frozen=True)
class Tempo:
    """One person's pace: a speed factor and how often they stop to think."""

    speed: float
    think_rate: float
    long_think_rate: float
    break_rate: float  # chance of a pause between two instances

    @classmethod
    def draw(cls, rng: Random) -> Tempo:
        return cls(
            speed=rng.uniform(0.7, 1.4),
            think_rate=rng.uniform(0.03, 0.10),
            long_think_rate=rng.uniform(0.0, 0.015),
            break_rate=rng.uniform(0.3, 0.8),
        )

    def gap(self, rng: Random, event: UiEvent) -> float:
        """Seconds between the previous event and ``event``."""
        if event.pause == "type":
            median = 0.6 + SECONDS_PER_CHAR * len(event.value)
        else:
            median = MEDIANS.get(event.pause, 1.4)
        seconds = rng.lognormvariate(math.log(median), SIGMA) * self.speed + event.think
        if rng.random() < self.think_rate:
            seconds += rng.lognormvariate(math.log(7.0), 0.8)
        if rng.random() < self.long_think_rate:
            seconds += rng.uniform(40.0, 420.0)
        return seconds

    def between(self, rng: Random) -> float:
        """Extra seconds between two instances: often none, sometimes a short or long break."""
        if rng.random() >= self.break_rate:
            return 0.0
        return rng.lognormvariate(math.log(20.0), 1.2)
