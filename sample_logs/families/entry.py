"""How one person puts values into a web page, as a browser recorder logs it.

Written for the blind families (`wizard`, `portal`), independently of `events.type_into`:
some people click into each field, others Tab from one to the next (no click is
recorded); some recorders log every keystroke (``editField`` with the value so far, a
typo shows as a longer value followed by a shorter one), others one ``editField`` per
field; dates are typed or picked in a calendar whose month has to be paged to; a file
is attached through the operating system's dialog, which the browser only sees as the
file input's new value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from random import Random

from sample_logs.families.events import UiEvent, WebField, at, web
from sample_logs.families.routine import Step

MONTHS = "January February March April May June July August September October November December"


def press(
    url: str, label: str, element_id: str, pause: str = "click", tag: str = "BUTTON"
) -> UiEvent:
    """A click on a button or anything button-like (a tab, a calendar day, a list entry)."""
    return web(
        url, "clickButton", pause, element_id=element_id, tag=tag, text=label, name=element_id
    )


@dataclass(frozen=True)
class Typist:
    """One person's way of filling fields; drawn once per person and log."""

    per_key: bool  # the recorder logs each keystroke, not just the field's final value
    tab_rate: float  # chance the next field is reached with Tab, so no click is logged
    typo_rate: float  # chance per field of a mistyped character, erased and retyped
    picker_rate: float  # chance a date is picked in the calendar instead of typed

    @classmethod
    def draw(cls, rng: Random) -> Typist:
        return cls(
            per_key=rng.random() < 0.35,
            tab_rate=rng.choice((0.0, 0.0, 0.4, 0.8)),
            typo_rate=rng.uniform(0.0, 0.12),
            picker_rate=rng.choice((0.0, 0.5, 0.9)),
        )

    def fill(self, rng: Random, url: str, field: WebField, value: str) -> Step:
        """Reach ``field`` and type ``value``; the page fires ``changeField`` on leaving it."""
        events = [] if rng.random() < self.tab_rate else [at(url, field, "clickTextField")]
        if not self.per_key:
            if value and rng.random() < self.typo_rate:
                wrong = value[:-1] + rng.choice("qxz0")
                events += [at(url, field, "editField", "type", value=wrong)]
            return [
                *events,
                at(url, field, "editField", "type", value=value),
                _left(url, field, value),
            ]
        for shown in _keystrokes(rng, value, self.typo_rate):
            events.append(at(url, field, "editField", "key", value=shown))
        return [*events, _left(url, field, value)]

    def date(self, rng: Random, url: str, field: WebField, day: date, fmt: str) -> Step:
        """A date typed as ``fmt`` or picked: open the calendar, page months, click the day."""
        text = day.strftime(fmt)
        if rng.random() >= self.picker_rate:
            return self.fill(rng, url, field, text)
        events = [at(url, field, "clickTextField")]
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            events.append(press(url, "›", "ui-datepicker-next", tag="A"))
        label = f"{day.day}"
        events.append(
            press(url, label, f"dp-{MONTHS.split()[day.month - 1][:3].lower()}-{label}", tag="TD")
        )
        return [*events, _left(url, field, text)]


def _left(url: str, field: WebField, value: str) -> UiEvent:
    return at(url, field, "changeField", "blur", value=value)


def _keystrokes(rng: Random, value: str, typo_rate: float) -> list[str]:
    """The field's value after each key, a wrong key and its backspace included."""
    shown, typo_at = [], rng.randrange(len(value)) if value and rng.random() < typo_rate else -1
    for i in range(len(value)):
        if i == typo_at:
            shown += [value[:i] + rng.choice("qwertzuiop"), value[:i]]
        shown.append(value[: i + 1])
    return shown


def upload(url: str, button: str, file_input: WebField, path: str) -> Step:
    """Attach a file: the button opens the OS dialog (unrecorded, so a long pause), the
    input takes the browser's ``C:\\fakepath\\`` value."""
    return [
        press(url, button, f"{file_input.element_id}-btn"),
        at(url, file_input, "changeField", "dialog", value=f"C:\\fakepath\\{path}"),
    ]


def select(url: str, field: WebField, option: str) -> UiEvent:
    return at(url, field, "selectOptions", option=option, value=option)


def tick(url: str, field: WebField) -> UiEvent:
    return at(url, field, "clickCheckboxButton", checked="true", value="on")
