"""What a blind-family routine hands the player: a unit of work that may hold several instances.

Unlike `routine.Routine.perform` (one instance, played contiguously), people batch: they
open five requisitions one after the other and approve them together, or enter four rows
and mark them done in the sheet afterwards. A `Work` unit therefore covers ``instances``
consecutive instances of one routine, and each of its steps says which of them it belongs
to (``owner``, 0-based within the unit). Ground truth of a batch: an event that acts on
one object (opening requisition 3, ticking its box, its "done" cell) belongs to that
object's instance; an event that acts on the whole batch at once (the Approve button for
all ticked items, the dialog's Submit) belongs to the batch's *last* instance, the one it
completes. Instances of a batch are therefore not contiguous in the log.

``leave_after`` is a step index after which the person leaves the instance unfinished (a
request saved as draft) and does other work before coming back; the steps after it start
with finding the draft again.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random
from typing import Protocol

from sample_logs.families.routine import Step


@dataclass(frozen=True)
class Work:
    instances: int
    steps: list[tuple[int, Step]]  # (owner within the unit, events)
    leave_after: int | None = None


def single(steps: list[Step], leave_after: int | None = None) -> Work:
    """A unit of one instance."""
    return Work(1, [(0, s) for s in steps if s], leave_after)


class BatchRoutine(Protocol):
    name: str  # the ground truth's Task
    family: str

    def work(self, rng: Random, n: int, most: int) -> Work:
        """The next unit, starting at instance number ``n``, of at most ``most`` instances."""
        ...

    def setup(self, rng: Random) -> Step:
        """Opening the tools at the start of a recording or of a day (not an instance)."""
        ...

    def distraction(self, rng: Random) -> Step:
        """Looking around the routine's own screens without doing an instance (noise)."""
        ...

    def needs_smartrpa(self) -> bool:
        """Whether only SmartRPA could record it (targets without element ids)."""
        ...
