"""Win32 via ctypes: foreground window, its process, and password edits (ES_PASSWORD)."""

from __future__ import annotations

import ctypes
from ctypes import wintypes

import psutil

from recorder.backends.base import WindowInfo
from recorder.errors import BackendUnavailableError

GWL_STYLE = -16
ES_PASSWORD = 0x20
SM_CXVIRTUALSCREEN, SM_CYVIRTUALSCREEN = 78, 79


class _GuiThreadInfo(ctypes.Structure):
    _fields_ = [
        ("cbSize", wintypes.DWORD),
        ("flags", wintypes.DWORD),
        ("hwndActive", wintypes.HWND),
        ("hwndFocus", wintypes.HWND),
        ("hwndCapture", wintypes.HWND),
        ("hwndMenuOwner", wintypes.HWND),
        ("hwndMoveSize", wintypes.HWND),
        ("hwndCaret", wintypes.HWND),
        ("rcCaret", wintypes.RECT),
    ]


class WindowsBackend:
    def __init__(self) -> None:
        try:
            self.user32 = ctypes.WinDLL("user32", use_last_error=True)
        except (AttributeError, OSError) as exc:
            raise BackendUnavailableError(f"user32.dll is not available ({exc})") from exc

    def active_window(self) -> WindowInfo | None:
        hwnd = self.user32.GetForegroundWindow()
        if not hwnd:
            return None
        pid = wintypes.DWORD()
        thread = self.user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
        rect = wintypes.RECT()
        self.user32.GetWindowRect(hwnd, ctypes.byref(rect))
        return WindowInfo(
            window_id=int(hwnd),
            app=_process_name(pid.value),
            title=self._text(self.user32.GetWindowTextW, hwnd) or None,
            wm_class=self._text(self.user32.GetClassNameW, hwnd) or None,
            pid=pid.value or None,
            x=rect.left,
            y=rect.top,
            width=rect.right - rect.left,
            height=rect.bottom - rect.top,
            secure_input=self._focus_is_password(thread),
        )

    def element_at(self, x: int, y: int) -> str | None:
        # A control's window text is its content (an edit's text): never read it.
        # Element names need UI Automation, which this backend does not use.
        return None

    def clipboard_sequence(self) -> int | None:
        return int(self.user32.GetClipboardSequenceNumber())

    def double_click_interval(self) -> float:
        return self.user32.GetDoubleClickTime() / 1000

    def screen_size(self) -> tuple[int, int]:
        return (
            self.user32.GetSystemMetrics(SM_CXVIRTUALSCREEN),
            self.user32.GetSystemMetrics(SM_CYVIRTUALSCREEN),
        )

    def close(self) -> None:
        """user32 needs no release."""

    def _focus_is_password(self, thread: int) -> bool:
        info = _GuiThreadInfo(cbSize=ctypes.sizeof(_GuiThreadInfo))
        if not self.user32.GetGUIThreadInfo(thread, ctypes.byref(info)) or not info.hwndFocus:
            return False
        return bool(self.user32.GetWindowLongW(info.hwndFocus, GWL_STYLE) & ES_PASSWORD)

    @staticmethod
    def _text(getter, hwnd: int) -> str:
        buffer = ctypes.create_unicode_buffer(512)
        getter(hwnd, buffer, len(buffer))
        return buffer.value


def _process_name(pid: int) -> str | None:
    try:
        return psutil.Process(pid).name() if pid else None
    except psutil.Error:
        return None
