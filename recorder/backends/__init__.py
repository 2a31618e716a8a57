"""Window backends, one module per OS; `get_backend` imports only the one in use."""

from __future__ import annotations

import sys

from recorder.backends.base import WindowBackend, WindowInfo
from recorder.errors import BackendUnavailableError

__all__ = ["WindowBackend", "WindowInfo", "get_backend"]


def get_backend(name: str = "auto") -> WindowBackend:
    """Connect to this desktop's window system (``name`` forces one: x11, windows, macos, fake)."""
    if name == "fake":
        from recorder.backends.fake import FakeBackend

        return FakeBackend()
    if name == "x11" or (name == "auto" and sys.platform.startswith("linux")):
        from recorder.backends.x11 import X11Backend

        return X11Backend()
    if name == "windows" or (name == "auto" and sys.platform == "win32"):
        from recorder.backends.windows import WindowsBackend

        return WindowsBackend()
    if name == "macos" or (name == "auto" and sys.platform == "darwin"):
        from recorder.backends.macos import MacBackend

        return MacBackend()
    raise BackendUnavailableError(
        f"no window backend {name!r} for platform {sys.platform}",
        "set backend to auto, x11, windows, macos or fake",
    )
