"""X11 via python-xlib: EWMH first, the input focus or pointer when no WM publishes EWMH.

Under a bare X server (Xvfb, kiosks) there is no ``_NET_ACTIVE_WINDOW``; focus is then
either a real window (walk up to the client that has WM_CLASS) or PointerRoot, where the
window under the pointer gets the keys. Used only from the recorder's reducer thread:
python-xlib connections are not thread-safe.
"""

from __future__ import annotations

import psutil
from Xlib import X, Xatom, display, error
from Xlib.ext import res, xfixes
from Xlib.protocol import event as xevent

from recorder.backends.base import WindowInfo
from recorder.errors import BackendUnavailableError

#: GTK's and Qt's default; X11 itself has no desktop-wide double-click setting.
X11_DOUBLE_CLICK_S = 0.4
#: Windows whose class and process are remembered; beyond this the memory starts afresh
#: (closed windows' ids are not reported, and the server may reuse them eventually).
WINDOWS_REMEMBERED = 256


class X11Backend:
    def __init__(self) -> None:
        try:
            self.display = display.Display()
        except (error.DisplayError, error.DisplayConnectionError, OSError) as exc:
            raise BackendUnavailableError(
                f"cannot connect to the X display ({exc})", "run inside a desktop session"
            ) from exc
        self.root = self.display.screen().root
        self._atoms = {
            name: self.display.intern_atom(name)
            for name in ("_NET_ACTIVE_WINDOW", "_NET_WM_NAME", "_NET_WM_PID", "UTF8_STRING")
        }
        # window id -> (WM class, pid, process name): fixed for a window's life, and
        # three of the ~ten round trips of a lookup, which runs on every click.
        self._facts: dict[int, tuple[str | None, int | None, str | None]] = {}
        self._has_xres = self.display.has_extension("X-Resource")
        self._clipboard_changes: int | None = None
        if self.display.has_extension("XFIXES"):
            self.display.xfixes_query_version()
            self._clipboard = self.display.intern_atom("CLIPBOARD")
            self.display.xfixes_select_selection_input(
                self.root, self._clipboard, xfixes.XFixesSetSelectionOwnerNotifyMask
            )
            self.display.flush()
            self._clipboard_changes = 0

    def active_window(self) -> WindowInfo | None:
        try:
            window = self._active_client()
            return self._describe(window) if window is not None else None
        except error.XError:  # the window closed while we asked about it
            return None

    def element_at(self, x: int, y: int) -> str | None:
        """Name of the deepest named child window below the client at (x, y)."""
        name = None
        window = self.root
        try:
            while True:
                child = window.translate_coords(self.root, x, y).child
                if not child:
                    return name
                window = child
                if window.get_wm_class() is None:
                    name = window.get_wm_name() or name
        except error.XError:
            return name

    def clipboard_sequence(self) -> int | None:
        """Counts CLIPBOARD owner changes (XFixes): a copy from a menu changes the owner."""
        if self._clipboard_changes is None:
            return None
        while self.display.pending_events():
            event = self.display.next_event()
            if getattr(event, "selection", None) == self._clipboard:
                self._clipboard_changes += 1
        return self._clipboard_changes

    def double_click_interval(self) -> float:
        return X11_DOUBLE_CLICK_S

    def screen_size(self) -> tuple[int, int]:
        geometry = self.root.get_geometry()
        return geometry.width, geometry.height

    # -- window control, for replay ---------------------------------------------------

    def list_windows(self) -> list[WindowInfo]:
        """The mapped top-level client windows, bottom to top."""
        found = []
        for child in self.root.query_tree().children:
            try:
                if child.get_attributes().map_state != X.IsViewable:
                    continue
                client = self._find_client_below(child)
                if client is not None:
                    found.append(self._describe(client))
            except error.XError:  # closed while we looked
                continue
        return found

    def activate(self, window_id: int) -> None:
        """Raise a window and give it the keyboard: an EWMH request when a window manager
        runs (it decides focus), directly otherwise (bare X servers, Xvfb)."""
        window = self.display.create_resource_object("window", window_id)
        check = self.display.intern_atom("_NET_SUPPORTING_WM_CHECK")
        if self.root.get_full_property(check, X.AnyPropertyType) is not None:
            message = xevent.ClientMessage(
                window=window,
                client_type=self._atoms["_NET_ACTIVE_WINDOW"],
                data=(32, [2, X.CurrentTime, 0, 0, 0]),
            )
            mask = X.SubstructureRedirectMask | X.SubstructureNotifyMask
            self.root.send_event(message, event_mask=mask)
        else:
            window.configure(stack_mode=X.Above)
            window.set_input_focus(X.RevertToParent, X.CurrentTime)
        self.display.sync()

    def element_bounds(self, window_id: int, name: str) -> tuple[int, int, int, int] | None:
        """Screen ``x, y, width, height`` of the first visible descendant named ``name``
        (the names `element_at` reports), breadth first."""
        top = self.display.create_resource_object("window", window_id)
        queue = list(top.query_tree().children)
        try:
            while queue:
                window = queue.pop(0)
                if window.get_attributes().map_state != X.IsViewable:
                    continue
                if window.get_wm_name() == name:
                    geometry = window.get_geometry()
                    origin = self.root.translate_coords(window, 0, 0)
                    return origin.x, origin.y, geometry.width, geometry.height
                queue.extend(window.query_tree().children)
        except error.XError:
            return None
        return None

    def close(self) -> None:
        self.display.close()

    def _active_client(self):  # -> Xlib Window | None
        prop = self.root.get_full_property(self._atoms["_NET_ACTIVE_WINDOW"], X.AnyPropertyType)
        if prop is not None and prop.value and prop.value[0]:
            return self.display.create_resource_object("window", prop.value[0])
        focus = self.display.get_input_focus().focus
        if isinstance(focus, int):  # None or PointerRoot: the pointer's window has the keys
            focus = self.root.query_pointer().child
            if not focus:
                return None
            return self._find_client_below(focus)
        return self._find_client_above(focus)

    def _find_client_above(self, window):
        while window and window.id != self.root.id:
            if window.get_wm_class() is not None:
                return window
            window = window.query_tree().parent
        return None

    def _find_client_below(self, window, depth: int = 3):
        """A WM frame wraps the client; look a few levels down for WM_CLASS."""
        if window.get_wm_class() is not None:
            return window
        if depth == 0:
            return None
        for child in window.query_tree().children:
            found = self._find_client_below(child, depth - 1)
            if found is not None:
                return found
        return None

    def _describe(self, window) -> WindowInfo:
        title = self._text_property(window, "_NET_WM_NAME") or window.get_wm_name()
        wm_class, pid, app = self._window_facts(window)
        geometry = window.get_geometry()
        origin = self.root.translate_coords(window, 0, 0)
        return WindowInfo(
            window_id=window.id,
            app=app,
            title=title if isinstance(title, str) else None,
            wm_class=wm_class,
            pid=pid,
            x=origin.x,
            y=origin.y,
            width=geometry.width,
            height=geometry.height,
        )

    def _window_facts(self, window) -> tuple[str | None, int | None, str | None]:
        """WM class, process id and process name of a client window, asked once."""
        facts = self._facts.get(window.id)
        if facts is None:
            wm_class = window.get_wm_class()
            pid_prop = window.get_full_property(self._atoms["_NET_WM_PID"], Xatom.CARDINAL)
            if pid_prop is not None and len(pid_prop.value):
                pid = int(pid_prop.value[0])
            else:
                pid = self._client_pid(window)
            facts = (wm_class[1] if wm_class else None, pid, _process_name(pid))
            if len(self._facts) >= WINDOWS_REMEMBERED:
                self._facts.clear()
            self._facts[window.id] = facts
        return facts

    def _text_property(self, window, name: str) -> str | None:
        prop = window.get_full_property(self._atoms[name], self._atoms["UTF8_STRING"])
        if prop is None or not prop.value:
            return None
        value = prop.value
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)

    def _client_pid(self, window) -> int | None:
        """The owning process from the X-Resource extension (Tk sets no _NET_WM_PID)."""
        if not self._has_xres:
            return None
        reply = self.display.res_query_client_ids(
            [{"client": window.id, "mask": res.LocalClientPIDMask}]
        )
        for client in reply.ids:
            if client.spec.mask == res.LocalClientPIDMask and client.value:
                return int(client.value[0])
        return None


def _process_name(pid: int | None) -> str | None:
    if pid is None:
        return None
    try:
        return psutil.Process(pid).name()
    except psutil.Error:
        return None
