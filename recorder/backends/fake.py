"""A scripted backend for tests and for desktops no real backend supports."""

from __future__ import annotations

from recorder.backends.base import WindowInfo


class FakeBackend:
    """Reports whatever window a test sets; ``elements`` maps points to names."""

    def __init__(
        self, window: WindowInfo | None = None, size: tuple[int, int] = (1280, 800)
    ) -> None:
        self.window = window
        self.elements: dict[tuple[int, int], str] = {}
        self.size = size
        self.clipboard = 0

    def active_window(self) -> WindowInfo | None:
        return self.window

    def element_at(self, x: int, y: int) -> str | None:
        return self.elements.get((x, y))

    def clipboard_sequence(self) -> int | None:
        return self.clipboard

    def double_click_interval(self) -> float:
        return 0.4

    def screen_size(self) -> tuple[int, int]:
        return self.size

    def close(self) -> None:
        """Nothing to release."""
