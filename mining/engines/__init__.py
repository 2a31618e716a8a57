"""Engines that run mining's stages (`mining.stages`): in-process by default, Ray for
clusters. The stages are the same; an engine only decides where each call runs and
where the frames it keeps live between stages.

An engine has one verb, `Engine.map`: call a stage function once per part (a user, or a
candidate) with that part's inputs and the shared fitted values, and return each call's
summary (small, brought to the driver) and handles to the frames it keeps (left where
they are, given to a later stage as inputs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from mining.engines.sources import Source

__all__ = ["Engine", "Piece", "Source", "open_engine", "resolve"]


class Piece(Protocol):
    """A kept frame handed to a call unread (`Engine.map` with ``lazy``)."""

    def read(self) -> Any: ...


class Engine(Protocol):
    def map(
        self,
        fn: Callable[..., tuple],
        inputs: Sequence[tuple],
        shared: dict[str, Any] | None = None,
        keep: int = 0,
        lazy: bool = False,
    ) -> tuple[list[Any], list[list[Any]]]:
        """``fn(*inputs[i], **shared)`` for every part ``i``; it returns ``(summary,
        *kept)`` with ``keep`` kept frames. Returns the summaries and, per part, handles
        to its kept frames. Sources and handles among the inputs arrive read; with
        ``lazy``, handles arrive as `Piece` objects for the call to read one at a time
        (a candidate's pieces: all of them at once would be all its events)."""
        ...

    def fetch(self, handles: Sequence[Any]) -> Iterator[Any]:
        """Kept frames brought to the driver one at a time, in order, each let go of
        before the next is read: how the driver writes a table kept in pieces (a row
        per event) without holding all of it."""
        ...

    def machines(self) -> int:
        """How many machines run the calls: a folder of this one is readable by every
        call only when it is 1."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Engine: ...

    def __exit__(self, *exc: object) -> None: ...


def open_engine(
    name: str = "local", address: str | None = None, object_store: int | None = None
) -> Engine:
    """The engine called ``name`` (``local`` or ``ray``); ``address`` is a Ray cluster's
    (``auto``: the one this machine belongs to; none: start a local one) and
    ``object_store`` the bytes of a local one's object store (`RayEngine`)."""
    if name == "local":
        from mining.engines.local import LocalEngine

        return LocalEngine()
    if name == "ray":
        from mining.engines.ray import RayEngine

        return RayEngine(address, object_store)
    from mining.errors import EngineError

    raise EngineError(f"unknown engine {name!r}", "use --engine local or --engine ray")


def resolve(value: Any) -> Any:
    """An input as a stage function takes it: a source is read, anything else is as is."""
    return value.read() if isinstance(value, Source) else value
