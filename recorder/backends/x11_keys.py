"""Typing on X11 through XTest, for replay.

pynput's X11 keyboard controller delivers *synthetic* key events (XSendEvent) to the
focus window. Applications may ignore those, and Tk drops them once another Tk window has
had the focus: replay then typed into nothing. XTest input is indistinguishable from a
real keyboard (it is what xdotool uses), so this controller keeps pynput's mapping of
characters to keycodes and sends each key through XTest, holding Shift where the
character needs it.
"""

from __future__ import annotations

from pynput.keyboard import Controller
from Xlib import XK, X
from Xlib.ext import xtest
from Xlib.protocol import event as xevent


class XTestKeyboard(Controller):
    """pynput's keyboard controller, with XTest in place of XSendEvent."""

    def _send_key(self, event, keycode: int, shift_state: int) -> None:
        display = self._display
        shift = display.keysym_to_keycode(XK.string_to_keysym("Shift_L"))
        press = event is xevent.KeyPress
        held = bool(shift_state & X.ShiftMask) and press
        if held:
            xtest.fake_input(display, X.KeyPress, shift)
        xtest.fake_input(display, X.KeyPress if press else X.KeyRelease, keycode)
        if held:
            xtest.fake_input(display, X.KeyRelease, shift)
        display.sync()
