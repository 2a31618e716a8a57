"""The recorder's tray icon, where the desktop has a system tray.

An employee should see at a glance that recording is on: green is recording, grey
paused, orange spooling (the database is away). Its default action pauses or resumes, as
`taskmine recorder pause|resume` does, where the tray passes clicks on (Windows, and Linux
trays with AppIndicator; pystray's plain X11 backend does not, and on macOS the icon needs
the main thread, which the recorder's loop holds: there is no icon there yet). The icon
only reads the status file the writer publishes in the state folder and sets the pause
flag there, so it shares nothing with the recording threads. Without a tray (a server, a
bare X server) the recorder runs as usual and `taskmine recorder status` tells the state.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from recorder import control

log = logging.getLogger("taskmine.recorder")

COLOURS = {"recording": "#2e9d4f", "paused": "#8a8f98", "spooling": "#e08a1e"}
#: Seconds between two looks at the status file.
REFRESH_S = 1.0


def start_tray(state_dir: Path) -> Callable[[], None] | None:
    """Show the icon in a thread of its own; return the function that stops updating it
    (the icon goes with the process), or None when this desktop has no tray."""
    try:
        import pystray  # connects to the display on import
    except Exception as exc:  # no display, no backend for this desktop
        log.info("no tray icon: %s", exc)
        return None
    # Without a tray pystray logs a traceback at every update and docks once one appears:
    # normal on a desktop without one, so not worth the recorder's log.
    logging.getLogger("pystray").setLevel(logging.CRITICAL)
    done = threading.Event()
    tray = pystray.Icon(
        "taskmine",
        icon_image(state_of(state_dir)),
        "taskmine recorder",
        menu=pystray.Menu(
            pystray.MenuItem("Pause or resume recording", lambda: toggle(state_dir), default=True)
        ),
    )

    def show(icon: pystray.Icon) -> None:
        icon.visible = True
        shown = ""
        while not done.wait(REFRESH_S if shown else 0):
            state = state_of(state_dir)
            if state != shown:
                icon.icon, icon.title, shown = icon_image(state), f"taskmine: {state}", state

    # pystray's own detached thread would keep the process alive at exit, and stopping it
    # from another thread can deadlock on the X connection: a daemon thread ends with us.
    threading.Thread(target=_run, args=(tray, show), name="tray", daemon=True).start()
    return done.set


def _run(tray: Any, show: Callable[[Any], None]) -> None:
    try:
        tray.run(show)
    except Exception as exc:  # a backend that needs the main thread (macOS) or a session bus
        log.info("no tray icon: %s", exc)


def state_of(state_dir: Path) -> str:
    """recording, paused or spooling, from the status the writer last published."""
    status = control.read_status(state_dir) or {}
    state = status.get("state", "recording")
    return state if state in COLOURS else "recording"


def toggle(state_dir: Path) -> None:
    """Pause when recording, resume when paused: the flag the recorder polls each second."""
    control.set_paused(state_dir, not control.is_paused(state_dir))


def icon_image(state: str) -> Image.Image:
    """A filled circle in the state's colour, on a transparent square."""
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((6, 6, 58, 58), fill=COLOURS[state])
    return image
