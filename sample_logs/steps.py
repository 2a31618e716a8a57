"""A small language for routines: actions on screens, combined in order, in any order,
optionally, or as alternatives. Expanding a tree with a seeded RNG gives one execution.

Helpers (`fill`, `pick`, `transfer`…) expand to the several low-level events a person
really produces for one intent (click a field, then type; select, copy, switch, paste).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from random import Random


@dataclass(frozen=True, slots=True)
class Act:
    """One recorded event. ``label`` and ``text`` are templates over the instance's data."""

    kind: str
    element: str | None = None
    role: str | None = None
    label: str | None = None
    text: str | None = None
    think: float = 1.0  # multiplies the kind's usual pause before the event (reading, checking)
    screen: str = ""


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Shuffle:
    """Items done in any order (form fields, rows of a worklist)."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Maybe:
    p: float
    item: Node


@dataclass(frozen=True, slots=True)
class Either:
    """Alternatives by weight; a ``habit`` names a per-user probability of the first one."""

    options: tuple[tuple[float, Node], ...]
    habit: str | None = None


Node = Act | Seq | Shuffle | Maybe | Either


def expand(node: Node, rng: Random, habits: dict[str, float] | None = None) -> list[Act]:
    """Flatten ``node`` into the acts of one execution, drawing every choice from ``rng``.

    ``habits`` overrides the weights of habit-named alternatives: one person mostly
    tabs between fields, another mostly clicks, and so each has their own variants.
    """
    out: list[Act] = []
    _expand(node, rng, habits or {}, out)
    return out


def _expand(node: Node, rng: Random, habits: dict[str, float], out: list[Act]) -> None:
    if isinstance(node, Act):
        out.append(node)
    elif isinstance(node, Seq):
        for item in node.items:
            _expand(item, rng, habits, out)
    elif isinstance(node, Shuffle):
        items = list(node.items)
        rng.shuffle(items)
        for item in items:
            _expand(item, rng, habits, out)
    elif isinstance(node, Maybe):
        if rng.random() < node.p:
            _expand(node.item, rng, habits, out)
    elif node.habit in habits:
        first, second = node.options[0][1], node.options[1][1]
        _expand(first if rng.random() < habits[node.habit] else second, rng, habits, out)
    else:
        weights = [w for w, _ in node.options]
        _expand(rng.choices([o for _, o in node.options], weights)[0], rng, habits, out)


def walk(node: Node) -> Iterator[Act]:
    """Every act in the tree, whatever the choices (to lay out screens)."""
    if isinstance(node, Act):
        yield node
    elif isinstance(node, Maybe):
        yield from walk(node.item)
    elif isinstance(node, Either):
        for _, option in node.options:
            yield from walk(option)
    else:
        for item in node.items:
            yield from walk(item)


# -- combinators -------------------------------------------------------------------------


def seq(*items: Node) -> Seq:
    return Seq(items)


def any_order(*items: Node) -> Shuffle:
    return Shuffle(items)


def maybe(p: float, *items: Node) -> Maybe:
    return Maybe(p, items[0] if len(items) == 1 else Seq(items))


def either(*options: tuple[float, Node], habit: str | None = None) -> Either:
    return Either(options, habit)


def at(screen: str, *items: Node) -> Node:
    """Place acts that have no screen yet on ``screen``."""
    stamped = tuple(_stamp(item, screen) for item in items)
    return stamped[0] if len(stamped) == 1 else Seq(stamped)


def _stamp(node: Node, screen: str) -> Node:
    if isinstance(node, Act):
        return node if node.screen else replace(node, screen=screen)
    if isinstance(node, Maybe):
        return Maybe(node.p, _stamp(node.item, screen))
    if isinstance(node, Either):
        return Either(tuple((w, _stamp(o, screen)) for w, o in node.options), node.habit)
    return type(node)(tuple(_stamp(i, screen) for i in node.items))


# -- intents: what one step of a routine looks like in events ------------------------------

#: Habits: each user's probability of the first alternative where these names appear.
CLICKS = "clicks into fields (rather than tabbing)"
DOUBLE_CLICKS = "double-clicks to select (rather than clicking)"
COPIES = "copies and pastes (rather than retyping)"


def click(element: str, role: str = "button", label: str | None = None, think: float = 1.0) -> Act:
    return Act("click", element, role, label, think=think)


def double_click(element: str, role: str = "listitem", label: str | None = None) -> Act:
    return Act("double_click", element, role, label, think=1.5)


def key(keys: str, element: str | None = None, think: float = 0.5) -> Act:
    return Act("hotkey", element, "edit" if element else None, text=keys, think=think)


def scroll(element: str, role: str = "document", think: float = 2.0) -> Act:
    return Act("scroll", element, role, think=think)


def read(element: str = "Document", role: str = "document", think: float = 4.0) -> Node:
    """Reading: a scroll or two after a long pause."""
    return seq(scroll(element, role, think), maybe(0.5, scroll(element, role, think / 2)))


def fill(element: str, value: str, role: str = "edit") -> Node:
    """Focus a field by clicking it or tabbing into it, then type ``value``."""
    return seq(
        either((0.7, click(element, role)), (0.3, key("tab", element, think=0.3)), habit=CLICKS),
        Act("type", element, role, text=value),
    )


def pick(element: str, value: str) -> Node:
    """Choose ``value`` in a drop-down list."""
    return seq(click(element, "combobox"), Act("click", value, "option", value, think=0.8))


def copy_from(element: str, value: str, role: str = "text") -> Node:
    """Select ``value`` (double-click a word, or click into a cell) and copy it, by
    ctrl+c or now and then from the context menu."""
    return seq(
        either(
            (0.6, double_click(element, role, value)),
            (0.4, click(element, role, value)),
            habit=DOUBLE_CLICKS,
        ),
        maybe(0.12, Act("right_click", element, role, value), click("Copy", "menuitem")),
        Act("copy", element, role, value, text=value, think=0.4),
    )


def paste_into(element: str, value: str, role: str = "edit") -> Node:
    return seq(click(element, role), Act("paste", element, role, text=value, think=0.4))


def transfer(
    source: str, source_element: str, target: str, target_element: str, value: str
) -> Node:
    """Carry ``value`` from one window to another, mostly by copy/paste, sometimes retyped."""
    return either(
        (
            0.75,
            seq(
                at(source, copy_from(source_element, value)),
                at(target, paste_into(target_element, value)),
            ),
        ),
        (
            0.25,
            seq(
                at(source, read(source_element, "text", 2.0)),
                at(target, fill(target_element, value)),
            ),
        ),
        habit=COPIES,
    )
