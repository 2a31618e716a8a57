"""One UI event as a recording tool sees it, and the small UI operations routines are made of.

A `UiEvent` holds what Action Logger and SmartRPA record (app, event type, URL, clipboard,
workbook and cell, the HTML element's attributes, XPath, mouse position); `layouts`
writes it in either tool's columns. Event types are Action Logger's (``copyCell``,
``changeField``…); `layouts` renames them for SmartRPA. ``pause`` is how the event's
time gap is drawn (see `timing`), ``think`` extra seconds of thought before it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from random import Random


@dataclass(frozen=True)
class UiEvent:
    app: str  # "Chrome" or "Excel" (Action Logger records nothing else), or a desktop program
    kind: str
    pause: str = "click"
    url: str = ""
    content: str = ""  # clipboard of copy/paste events
    workbook: str = ""
    sheet: str = ""
    cell: str = ""  # Excel: A2, or a range A2:D2
    element_id: str = ""  # HTML id, or a UI5 generated id such as __xmlview3--saveBtn-inner
    element_class: str = ""
    tag: str = ""
    input_type: str = ""
    name: str = ""
    value: str = ""
    text: str = ""  # innerText of the element
    checked: str = ""
    href: str = ""
    option: str = ""
    title: str = ""  # window title where the tool records one
    xpath: str = ""
    x: int | None = None
    y: int | None = None
    think: float = 0.0


@dataclass(frozen=True)
class WebField:
    """A form field as the page renders it: HTML name and id, label, tag and input type."""

    name: str
    label: str
    element_id: str
    tag: str = "INPUT"
    input_type: str = "text"
    element_class: str = "form-control"


def web(url: str, kind: str, pause: str = "click", **fields: str) -> UiEvent:
    return UiEvent("Chrome", kind, pause, url=url, **fields)  # type: ignore[arg-type]


def at(url: str, field: WebField, kind: str, pause: str = "click", **extra: str) -> UiEvent:
    """An event on ``field`` of the page at ``url``."""
    return web(
        url,
        kind,
        pause,
        name=field.name,
        element_id=field.element_id,
        tag=field.tag,
        input_type=field.input_type,
        element_class=field.element_class,
        **extra,
    )


def type_into(
    rng: Random, url: str, field: WebField, value: str, typo_rate: float
) -> list[UiEvent]:
    """Click a text field and type ``value``; now and then a typo corrected by retyping."""
    events = [at(url, field, "clickTextField", "click")]
    if value and rng.random() < typo_rate:
        wrong = _typo(rng, value)
        events += [
            at(url, field, "editField", "type", value=wrong),
            at(url, field, "changeField", "click", value=wrong),
            at(url, field, "clickTextField", "look"),
        ]
    events.append(at(url, field, "editField", "type", value=value))
    events.append(at(url, field, "changeField", "click", value=value))
    return events


def paste_into(url: str, field: WebField, value: str) -> list[UiEvent]:
    return [
        at(url, field, "clickTextField", "switch"),
        at(url, field, "paste", "click", content=value, value=value),
        at(url, field, "changeField", "click", value=value),
    ]


def select_option(url: str, field: WebField, option: str) -> list[UiEvent]:
    select = replace(field, tag="SELECT", input_type="select-one", element_class="form-select")
    return [at(url, select, "selectOptions", "click", option=option, value=option)]


def tick(url: str, field: WebField, checked: bool, radio: bool = False) -> UiEvent:
    kind, input_type = (
        ("clickRadioButton", "radio") if radio else ("clickCheckboxButton", "checkbox")
    )
    box = replace(field, input_type=input_type, element_class="form-check-input")
    return at(url, box, kind, "click", checked="true" if checked else "false", value="on")


def button(url: str, label: str, element_id: str, submit: bool = False) -> list[UiEvent]:
    events = [
        web(
            url,
            "clickButton",
            "click",
            element_id=element_id,
            tag="BUTTON",
            input_type="submit" if submit else "button",
            element_class="btn btn-primary" if submit else "btn",
            text=label,
            name=element_id,
        )
    ]
    if submit:
        events.append(web(url, "submit", "click", tag="FORM", element_id=f"{element_id}-form"))
    return events


def link(url: str, text: str, href: str) -> UiEvent:
    return web(url, "clickLink", "click", tag="A", text=text, href=href)


def navigate(url: str) -> UiEvent:
    return web(url, "navigateTo", "load")


def copy_text(url: str, value: str, field: WebField | None = None) -> UiEvent:
    if field is None:
        return web(url, "copy", "look", content=value, tag="SPAN")
    return at(url, field, "copy", "look", content=value, value=value)


def cell(workbook: str, sheet: str, kind: str, ref: str, value: str = "", **extra: str) -> UiEvent:
    pause = {"getCell": "look", "copyCell": "click", "copyRange": "click", "editCell": "type"}
    return UiEvent(
        "Excel",
        kind,
        pause.get(kind, "click"),
        workbook=workbook,
        sheet=sheet,
        cell=ref,
        value=value,
        **extra,  # type: ignore[arg-type]
    )


def excel(workbook: str, sheet: str, kind: str, pause: str = "click") -> UiEvent:
    return UiEvent("Excel", kind, pause, workbook=workbook, sheet=sheet)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _typo(rng: Random, value: str) -> str:
    i = rng.randrange(len(value))
    wrong = rng.choice("asdfghjkl0123456789")
    return value[:i] + wrong + value[i + 1 :] if rng.random() < 0.5 else value[:i] + value[i + 1 :]
