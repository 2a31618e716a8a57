"""Terminal output: messages by verbosity, and progress bars only on an interactive terminal.

Library code never prints; it takes an optional ``on_progress(done, total)`` callback and
the CLI passes `Ui.progress`'s callback in. In CI and pipes the bars stay silent.

Messages carry file names and recorded strings, which may hold terminal escape sequences
(a file named ``\x1b]0;…`` retitles the terminal, ``\x1b[2J`` clears it): every message
is printed with control characters escaped, and on one line.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

ProgressFn = Callable[[int, int], None]

#: C0 and C1 controls, DEL, and the marks that reorder text on screen (bidi overrides).
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` with every control character written as its Python escape (``\\x1b``)."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


@dataclass
class Ui:
    verbosity: int = 1  # 0 quiet, 1 normal, 2 verbose
    debug: bool = False

    def __post_init__(self) -> None:
        self.err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

    @property
    def interactive(self) -> bool:
        return self.verbosity > 0 and sys.stderr.isatty()

    def info(self, message: str) -> None:
        if self.verbosity >= 1:
            self.err.print(terminal_safe(message), markup=False)

    def detail(self, message: str) -> None:
        if self.verbosity >= 2:
            self.err.print(terminal_safe(message), markup=False, style="dim")

    def error(self, message: str) -> None:
        self.err.print(f"error: {terminal_safe(message)}", markup=False, style="bold red")

    @contextmanager
    def progress(self, description: str) -> Iterator[ProgressFn]:
        """Yield an ``on_progress(done, total)`` callback that drives a bar on a terminal."""
        if not self.interactive:
            yield lambda done, total: None
            return
        columns = (
            TextColumn("{task.description}", markup=False),  # "[/x]" in a name is text
            BarColumn(),
            MofNCompleteColumn(),  # shows "?" while the total is unknown (None)
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=self.err, transient=True) as bar:
            task = bar.add_task(terminal_safe(description), total=None)
            yield lambda done, total: bar.update(task, completed=done, total=total)
