"""Where each element sits on its screen: one layout drives both the x/y of events and
the rendered screenshots, so a click's coordinates fall on the field the image shows.

Layouts are derived from the routines and noise activities themselves (every element an
act touches on a screen gets a widget), so adding a step never needs a layout edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sample_logs.noise import ACTIVITIES
from sample_logs.routines import ROUTINES
from sample_logs.steps import walk

CANVAS = (800, 500)  # the rendered window, in pixels
SCREEN = (1920, 1080)  # the simulated monitor; the window is maximised on it
BAR_ROLES = frozenset({"tab", "link", "menuitem"})
BUTTON_ROLES = frozenset({"button", "checkbox"})


@dataclass(frozen=True, slots=True)
class Widget:
    name: str  # the element name, or its template for variable ones (``{customer}``)
    role: str
    box: tuple[int, int, int, int]  # left, top, right, bottom on the canvas

    @property
    def centre(self) -> tuple[int, int]:
        """The widget's centre in monitor coordinates."""
        x = (self.box[0] + self.box[2]) / 2 * SCREEN[0] / CANVAS[0]
        y = (self.box[1] + self.box[3]) / 2 * SCREEN[1] / CANVAS[1]
        return int(x), int(y)


def _place(role: str, counts: dict[str, int]) -> tuple[int, int, int, int]:
    group = "bar" if role in BAR_ROLES else "button" if role in BUTTON_ROLES else "form"
    i = counts[group] = counts.get(group, -1) + 1
    if group == "bar":
        x = 12 + (i % 6) * 128
        return x, 40, x + 120, 62
    if group == "button":
        x = 16 + (i % 6) * 128
        y = 456 - (i // 6) * 36
        return x, y, x + 118, y + 28
    column, row = divmod(i % 18, 9)
    x, y = 180 + column * 390, 76 + row * 38
    return x, y, x + 200, y + 28


@cache
def widgets() -> dict[str, tuple[Widget, ...]]:
    """The widgets of every screen key (mail flavours share their base key's layout)."""
    seen: dict[str, dict[str, str]] = {}
    bodies = [r.body for r in ROUTINES] + [a.body for a in ACTIVITIES]
    for body in bodies:
        for act in walk(body):
            if act.element is not None:
                seen.setdefault(act.screen, {}).setdefault(act.element, act.role or "text")
    layout = {}
    for screen, elements in seen.items():
        counts: dict[str, int] = {}
        layout[screen] = tuple(Widget(n, r, _place(r, counts)) for n, r in elements.items())
    return layout


@cache
def widget_index() -> dict[tuple[str, str], tuple[int, tuple[int, int]]]:
    """(screen key, element template) → (position in ``widgets()[screen]``, centre)."""
    return {
        (screen, w.name): (i, w.centre)
        for screen, ws in widgets().items()
        for i, w in enumerate(ws)
    }
