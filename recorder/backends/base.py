"""The contract every window backend fulfils: typed window context, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class WindowInfo:
    """The active window as the OS reports it. ``app`` is the process name."""

    window_id: int
    app: str | None
    title: str | None
    wm_class: str | None = None
    pid: int | None = None
    x: int = 0
    y: int = 0
    width: int = 0
    height: int = 0
    secure_input: bool = False  # the OS says a password field has the keyboard

    @property
    def key(self) -> tuple[int, str | None]:
        """Identity for focus changes: a new window or a new title is a new context."""
        return (self.window_id, self.title)


class WindowBackend(Protocol):
    """One per OS. Constructing it connects; nothing happens at import."""

    def active_window(self) -> WindowInfo | None:
        """The window that has the keyboard, or None (desktop, nothing focused)."""

    def element_at(self, x: int, y: int) -> str | None:
        """A name for the UI element at a screen point, where the OS exposes one."""

    def clipboard_sequence(self) -> int | None:
        """A number that changes whenever anything is copied (None: not observable)."""

    def double_click_interval(self) -> float:
        """The desktop's double-click interval in seconds."""

    def screen_size(self) -> tuple[int, int]:
        """Width and height of the whole virtual screen in pixels."""

    def close(self) -> None:
        """Release the connection to the desktop."""
