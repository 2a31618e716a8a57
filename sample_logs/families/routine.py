"""What every family's routine design offers the log builder.

A design is drawn once from a seed; ``perform`` then plays one instance of it as *steps*:
short runs of events that belong together (a copy and its paste, one field's typing). An
interruption or a noise burst may come between two steps, never inside one.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random
from typing import Protocol

from sample_logs.families.events import UiEvent

Step = list[UiEvent]


class Routine(Protocol):
    name: str  # unique and readable: the ground truth's Task
    family: str

    def perform(self, rng: Random, n: int) -> list[Step]:
        """Instance number ``n`` (0-based; an Excel routine's row follows from it)."""
        ...

    def setup(self) -> Step:
        """What a recording starts with before the first instance: opening the workbook,
        signing in. It is not part of any instance."""
        ...


@dataclass(frozen=True)
class Habits:
    """How one person works through a routine: typos, reordering, thinking."""

    typo_rate: float
    reorder_rate: float  # chance that two neighbouring fields swap places in an instance

    @classmethod
    def draw(cls, rng: Random) -> Habits:
        return cls(typo_rate=rng.uniform(0.0, 0.08), reorder_rate=rng.choice((0.0, 0.1, 0.3)))

    def reorder(self, rng: Random, steps: list[Step]) -> list[Step]:
        """``steps`` with some neighbours swapped (people fill forms in a varying order)."""
        steps = list(steps)
        for i in range(len(steps) - 1):
            if rng.random() < self.reorder_rate:
                steps[i], steps[i + 1] = steps[i + 1], steps[i]
        return steps


def slug(text: str) -> str:
    """A lower-case token for names: ``Travel request`` → ``travel-request``."""
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())
