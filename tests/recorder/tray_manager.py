"""A minimal system tray for tests: what a desktop panel does for tray icons.

It follows the freedesktop System Tray protocol: owns the ``_NET_SYSTEM_TRAY_S0``
selection, announces itself with a ``MANAGER`` message, and embeds each window that asks
to dock (``_NET_SYSTEM_TRAY_OPCODE``, request 0) into its own window on the screen.
"""

from __future__ import annotations

import threading
import time

import Xlib.display
import Xlib.protocol.event
from Xlib import X

REQUEST_DOCK = 0
ICON_SIZE = 24


class TrayManager(threading.Thread):
    def __init__(self, display: str) -> None:
        super().__init__(daemon=True)
        self.display = Xlib.display.Display(display)
        screen = self.display.screen()
        self.window = screen.root.create_window(
            0, 0, 4 * ICON_SIZE, ICON_SIZE, 0, screen.root_depth,
            background_pixel=screen.white_pixel, override_redirect=True,
        )  # fmt: skip
        self.window.map()
        selection = self.display.intern_atom("_NET_SYSTEM_TRAY_S0")
        self.window.set_selection_owner(selection, X.CurrentTime)
        self.opcode = self.display.intern_atom("_NET_SYSTEM_TRAY_OPCODE")
        announce = Xlib.protocol.event.ClientMessage(
            window=screen.root,
            client_type=self.display.intern_atom("MANAGER"),
            data=(32, [X.CurrentTime, selection, self.window.id, 0, 0]),
        )
        screen.root.send_event(announce, event_mask=X.StructureNotifyMask)
        self.display.flush()
        self.docked: list[int] = []  # window ids of the embedded icons
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            while self.display.pending_events():
                event = self.display.next_event()
                if event.type == X.ClientMessage and event.client_type == self.opcode:
                    self._dock(event.data[1])
            time.sleep(0.05)
        self.display.close()

    def _dock(self, data: list[int]) -> None:
        if data[1] != REQUEST_DOCK or data[2] in self.docked:  # pystray asks again on updates
            return
        icon = self.display.create_resource_object("window", data[2])
        x = ICON_SIZE * len(self.docked)
        icon.reparent(self.window, x, 0)
        icon.configure(width=ICON_SIZE, height=ICON_SIZE)
        icon.map()
        self.display.flush()
        self.docked.append(data[2])

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)
