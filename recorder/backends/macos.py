"""macOS via AppKit and Quartz (pyobjc): frontmost app, its top window, secure input."""

from __future__ import annotations

import ctypes
import ctypes.util

from recorder.backends.base import WindowInfo
from recorder.errors import BackendUnavailableError


class MacBackend:
    def __init__(self) -> None:
        try:
            import AppKit
            import Quartz
        except ImportError as exc:
            raise BackendUnavailableError(
                "the macOS backend needs pyobjc", "pip install pyobjc-framework-Quartz"
            ) from exc
        self.appkit, self.quartz = AppKit, Quartz
        carbon = ctypes.util.find_library("Carbon")
        self._carbon = ctypes.cdll.LoadLibrary(carbon) if carbon else None

    def active_window(self) -> WindowInfo | None:
        app = self.appkit.NSWorkspace.sharedWorkspace().frontmostApplication()
        if app is None:
            return None
        pid = int(app.processIdentifier())
        options = (
            self.quartz.kCGWindowListOptionOnScreenOnly
            | self.quartz.kCGWindowListExcludeDesktopElements
        )
        for window in self.quartz.CGWindowListCopyWindowInfo(options, self.quartz.kCGNullWindowID):
            if window.get("kCGWindowOwnerPID") == pid and window.get("kCGWindowLayer") == 0:
                bounds = window.get("kCGWindowBounds", {})
                return WindowInfo(
                    window_id=int(window.get("kCGWindowNumber", 0)),
                    app=str(app.localizedName()),
                    title=window.get("kCGWindowName") or None,  # needs Screen Recording access
                    wm_class=str(app.bundleIdentifier() or "") or None,
                    pid=pid,
                    x=int(bounds.get("X", 0)),
                    y=int(bounds.get("Y", 0)),
                    width=int(bounds.get("Width", 0)),
                    height=int(bounds.get("Height", 0)),
                    secure_input=self._secure_input(),
                )
        return None

    def element_at(self, x: int, y: int) -> str | None:
        return None  # needs the Accessibility API, which this backend does not use

    def clipboard_sequence(self) -> int | None:
        return int(self.appkit.NSPasteboard.generalPasteboard().changeCount())

    def double_click_interval(self) -> float:
        return float(self.appkit.NSEvent.doubleClickInterval())

    def screen_size(self) -> tuple[int, int]:
        frame = self.appkit.NSScreen.mainScreen().frame()
        return int(frame.size.width), int(frame.size.height)

    def close(self) -> None:
        """Nothing to release."""

    def _secure_input(self) -> bool:
        """True while any app (a password field, a terminal's secure keyboard) asked for it."""
        return bool(self._carbon and self._carbon.IsSecureEventInputEnabled())
